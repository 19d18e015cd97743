"""Every rule kind the planner turns into a constraint is proven on PostgreSQL: the designed DDL is loaded
into a real database, rows that obey the rule are accepted and rows that break it are refused.

The designs come from the recorded answers in tests/design/replay/dev (replay reader, no network)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from aishell.design import design
from aishell.dialects.postgres.generate import generate

DEV = Path(__file__).resolve().parent / "replay" / "dev"


@pytest.fixture(scope="module")
def db(pg_server):
    """One database holding the four dev designs, each in its own schema-less load (tables do not clash)."""
    with pg_server.temporary_database(prefix="aishell_rules_") as conninfo:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for name in ("ledger", "football", "rostering", "helpdesk"):
                rec = json.loads((DEV / f"{name}.json").read_text())
                d = design(rec["text"], llm=f"replay:{DEV / (name + '.json')}", validate=False)
                assert d.engine.startswith("replay:")
                conn.execute(f"CREATE SCHEMA {name}")
                conn.execute(f"SET search_path = {name}, public")
                ddl = generate(d.schema, header=False).replace("public.", f"{name}.")
                conn.execute(ddl)
                conn.execute("RESET search_path")
        yield conninfo


def _run(conninfo, schema, *statements):
    with psycopg.connect(conninfo) as conn:
        conn.execute(f"SET search_path = {schema}, public")
        for sql in statements:
            conn.execute(sql)
        conn.commit()


def _refused(conninfo, schema, error, *statements):
    with pytest.raises(error):
        _run(conninfo, schema, *statements)


def test_scoped_unique_refuses_the_same_code_in_one_company(db):
    _run(
        db,
        "ledger",
        "INSERT INTO companies (name, base_currency) VALUES ('A', 'EUR'), ('B', 'USD')",
        "INSERT INTO accounts (company_id, code, name, type) VALUES (1, '1000', 'Cash', 'asset'), "
        "(2, '1000', 'Cash', 'asset')",  # the same code in another company is fine
    )
    _refused(
        db,
        "ledger",
        psycopg.errors.UniqueViolation,
        "INSERT INTO accounts (company_id, code, name, type) VALUES (1, '1000', 'Bank', 'asset')",
    )


def test_exclusive_check_and_deferred_balance(db):
    with psycopg.connect(db) as conn:
        conn.execute("SET search_path = ledger, public")
        company = conn.execute(
            "INSERT INTO companies (name, base_currency) VALUES ('D', 'EUR') RETURNING id"
        ).fetchone()[0]
        cash, sales = (
            conn.execute(
                "INSERT INTO accounts (company_id, code, name, type) VALUES (%s, %s, %s, %s) RETURNING id",
                (company, code, name, kind),
            ).fetchone()[0]
            for code, name, kind in (("1000", "Cash", "asset"), ("4000", "Sales", "income"))
        )
        conn.commit()
    entry = f"(SELECT max(id) FROM journal_entries WHERE company_id = {company})"
    _run(  # balanced at commit: one debit, one credit (the trigger is deferred until then)
        db,
        "ledger",
        f"INSERT INTO journal_entries (company_id, entry_date) VALUES ({company}, '2026-01-05')",
        f"INSERT INTO journal_lines (journal_entry_id, account_id, debit) VALUES ({entry}, {cash}, 100)",
        f"INSERT INTO journal_lines (journal_entry_id, account_id, credit) VALUES ({entry}, {sales}, 100)",
    )
    _refused(  # a line with both a debit and a credit
        db,
        "ledger",
        psycopg.errors.CheckViolation,
        f"INSERT INTO journal_lines (journal_entry_id, account_id, debit, credit) VALUES ({entry}, {cash}, 5, 5)",
    )
    _refused(  # a negative amount
        db,
        "ledger",
        psycopg.errors.CheckViolation,
        f"INSERT INTO journal_lines (journal_entry_id, account_id, debit) VALUES ({entry}, {cash}, -5)",
    )
    _refused(  # an entry that does not balance is refused at commit
        db,
        "ledger",
        psycopg.errors.CheckViolation,
        f"INSERT INTO journal_entries (company_id, entry_date) VALUES ({company}, '2026-01-06')",
        f"INSERT INTO journal_lines (journal_entry_id, account_id, debit) VALUES ({entry}, {cash}, 70)",
        f"INSERT INTO journal_lines (journal_entry_id, account_id, credit) VALUES ({entry}, {sales}, 60)",
    )


def test_append_only_and_locked_once_posted(db):
    with psycopg.connect(db) as conn:  # its own rows: the tests of this module may run apart
        conn.execute("SET search_path = ledger, public")
        company = conn.execute(
            "INSERT INTO companies (name, base_currency) VALUES ('C', 'GBP') RETURNING id"
        ).fetchone()[0]
        acc = conn.execute(
            "INSERT INTO accounts (company_id, code, name, type) VALUES (%s, '9000', 'Misc', 'expense') "
            "RETURNING id",
            (company,),
        ).fetchone()[0]
        entry = conn.execute(
            "INSERT INTO journal_entries (company_id, entry_date) VALUES (%s, '2026-02-01') RETURNING id",
            (company,),
        ).fetchone()[0]
        line = conn.execute(
            "INSERT INTO journal_lines (journal_entry_id, account_id, debit) VALUES (%s, %s, 10) RETURNING id",
            (entry, acc),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO journal_lines (journal_entry_id, account_id, credit) VALUES (%s, %s, 10)",
            (entry, acc),
        )
        conn.commit()
    _refused(
        db,
        "ledger",
        psycopg.errors.RestrictViolation,
        f"UPDATE journal_lines SET debit = 1 WHERE id = {line}",
    )
    _refused(db, "ledger", psycopg.errors.RestrictViolation, f"DELETE FROM journal_lines WHERE id = {line}")
    _run(
        db, "ledger", f"UPDATE journal_entries SET memo = 'draft note' WHERE id = {entry}"
    )  # a draft may change
    _run(db, "ledger", f"UPDATE journal_entries SET status = 'posted' WHERE id = {entry}")
    _refused(
        db,
        "ledger",
        psycopg.errors.RestrictViolation,
        f"UPDATE journal_entries SET memo = 'x' WHERE id = {entry}",
    )
    _refused(
        db, "ledger", psycopg.errors.RestrictViolation, f"DELETE FROM journal_entries WHERE id = {entry}"
    )


def test_no_overlap_per_nurse_and_ranges(db):
    _run(
        db,
        "rostering",
        "INSERT INTO nurses (name) VALUES ('Ana'), ('Ben')",
        "INSERT INTO wards (name) VALUES ('ICU')",
        "INSERT INTO shifts (nurse_id, ward_id, starts_at, ends_at) VALUES "
        "(1, 1, '2026-03-01 08:00+00', '2026-03-01 16:00+00'), "
        "(1, 1, '2026-03-01 16:00+00', '2026-03-02 00:00+00'), "  # back to back is not an overlap
        "(2, 1, '2026-03-01 10:00+00', '2026-03-01 18:00+00')",  # another nurse may overlap
    )
    _refused(
        db,
        "rostering",
        psycopg.errors.ExclusionViolation,
        "INSERT INTO shifts (nurse_id, ward_id, starts_at, ends_at) VALUES "
        "(1, 1, '2026-03-01 12:00+00', '2026-03-01 20:00+00')",
    )
    _refused(  # a shift that ends before it starts
        db,
        "rostering",
        psycopg.errors.CheckViolation,
        "INSERT INTO shifts (nurse_id, ward_id, starts_at, ends_at) VALUES "
        "(2, 1, '2026-03-05 12:00+00', '2026-03-05 08:00+00')",
    )
    # repeatable pairs: the same skill twice, and two leave requests for the same dates, are allowed
    _run(
        db,
        "rostering",
        "INSERT INTO skills (name) VALUES ('triage')",
        "INSERT INTO certifications (nurse_id, skill_id, year_certified) VALUES (1, 1, 2020), (1, 1, 2024)",
        "INSERT INTO leave_requests (nurse_id, start_date, end_date, status) VALUES "
        "(1, '2026-04-01', '2026-04-03', 'pending'), (1, '2026-04-01', '2026-04-03', 'refused')",
    )


def test_roles_and_compare_and_scoped_unique(db):
    _run(
        db,
        "football",
        "INSERT INTO seasons (name) VALUES ('2026')",
        "INSERT INTO teams (name) VALUES ('Reds'), ('Blues')",
        "INSERT INTO players (team_id, name, shirt_number) VALUES (1, 'Kai', 9), (2, 'Lee', 9)",
        "INSERT INTO matches (season_id, home_team_id, away_team_id, kickoff_at) VALUES (1, 1, 2, now())",
        "INSERT INTO goals (match_id, scorer_id, minute) VALUES (1, 1, 90)",
    )
    _refused(
        db,
        "football",
        psycopg.errors.CheckViolation,
        "INSERT INTO matches (season_id, home_team_id, away_team_id, kickoff_at) VALUES (1, 1, 1, now())",
    )
    _refused(
        db,
        "football",
        psycopg.errors.CheckViolation,
        "INSERT INTO goals (match_id, scorer_id, minute) VALUES (1, 1, 131)",
    )
    _refused(
        db,
        "football",
        psycopg.errors.UniqueViolation,
        "INSERT INTO players (team_id, name, shirt_number) VALUES (1, 'Max', 9)",
    )
    _refused(  # the user's exact words: 'A'..'F', not 'a'..'f'
        db,
        "football",
        psycopg.errors.InvalidTextRepresentation,
        "INSERT INTO referees (name, grade) VALUES ('Pat', 'a')",
    )
    _run(db, "football", "INSERT INTO referees (name, grade) VALUES ('Pat', 'A')")


def test_tenant_references_stay_inside_their_tenant(db):
    _run(
        db,
        "helpdesk",
        "INSERT INTO companies (name) VALUES ('Acme'), ('Globex')",
        "INSERT INTO customers (company_id, email) VALUES (1, 'a@acme.test'), (2, 'a@acme.test')",
        "INSERT INTO agents (company_id, email) VALUES (1, 'bob@acme.test')",
        "INSERT INTO tickets (company_id, customer_id, subject) VALUES (1, 1, 'Printer')",
    )
    _refused(  # a Globex ticket for an Acme customer
        db,
        "helpdesk",
        psycopg.errors.ForeignKeyViolation,
        "INSERT INTO tickets (company_id, customer_id, subject) VALUES (2, 1, 'Leak')",
    )
    _refused(  # an Acme ticket assigned to... an agent id that is not Acme's
        db,
        "helpdesk",
        psycopg.errors.ForeignKeyViolation,
        "INSERT INTO agents (company_id, email) VALUES (2, 'eve@globex.test')",
        "INSERT INTO tickets (company_id, customer_id, assignee_id, subject) VALUES (1, 1, 2, 'Fan')",
    )
    _refused(  # the same email twice in one company
        db,
        "helpdesk",
        psycopg.errors.UniqueViolation,
        "INSERT INTO customers (company_id, email) VALUES (1, 'a@acme.test')",
    )
    _refused(  # comments are never edited
        db,
        "helpdesk",
        psycopg.errors.RestrictViolation,
        "INSERT INTO comments (company_id, ticket_id, body) VALUES (1, 1, 'hello')",
        "UPDATE comments SET body = 'edited'",
    )

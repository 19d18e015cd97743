#!/usr/bin/env bash
# Install everything the tests need, from this repository's own files, and run the suite:
# first on the embedded PostgreSQL 18, then again on the system PostgreSQL 15 when it answers.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
# Graphviz, Debian chromium + Playwright's driver, and the Mermaid/DBML parsers (idempotent).
bash scripts/install-render-test-deps.sh

PG15_URL="${AISHELL_PG15_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
status=0

echo "== test run 1: embedded PostgreSQL 18 =="
python3 -m pytest -n 2 -q -p no:cacheprovider "$@" || status=$?

if python3 - "$PG15_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception:
    sys.exit(1)
PY
then
  echo "== test run 2: system PostgreSQL at ${PG15_URL} =="
  AISHELL_TEST_DATABASE_URL="$PG15_URL" python3 -m pytest -n 2 -q -p no:cacheprovider -m "not browser" "$@" || status=$?
else
  echo "== test run 2 skipped: no PostgreSQL answers at ${PG15_URL} =="
fi

# pytest's "no tests ran" (5) is not a pass.
exit "$status"

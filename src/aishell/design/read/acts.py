"""Reader step 5b — acts over time: "a gardener may rent at most one plot per season", "each member books
one court a day". Two stored things paired by a verb, once per period, are not a reference from one to the
other: the pairing is a thing of its own (a rental, a booking) that names both and the period it is for."""

from __future__ import annotations

import re

from aishell.design import kb
from aishell.design.intent import Attribute, Relationship, Rule
from aishell.design.read.tokens import NP
from aishell.design.words import singular

# English calendar units: what "per ___" says a pairing repeats over
_PERIODS = {
    "day", "night", "evening", "morning", "week", "weekend", "month", "season", "year", "term", "semester",
    "quarter", "date",
}  # fmt: skip

_PAIRED_PER_PERIOD = re.compile(
    r"\b(?:a|an|each|every|one|the)\s+(?P<a>[a-z]+)\s+(?:(?:may|can|could|must|will|should|shall)\s+)?"
    r"(?:only\s+)?(?P<v>[a-z]+)\s+(?:(?:at most|at least|only|exactly|just|up to)\s+)?(?:one|a|an|1)\s+"
    r"(?P<b>[a-z]+)\s+(?:per|each|every|a|an|in each|in a|for each|for a|for the|in the)\s+(?P<p>[a-z]+)\b"
)
_NOT_ACTS = {"have", "has", "had", "be", "is", "are", "get", "gets", "hold", "holds", "contain", "contains"}


class ActStage:
    acts_per_period: dict[str, tuple[str, str]]  # act entity → (the one who acts, the period column)

    def _acts_over_time(self) -> None:
        from aishell.design.read.relations import nominalizations

        low = self.text.lower()
        self.acts_per_period = {}
        for m in _PAIRED_PER_PERIOD.finditer(low):
            verb_word, period = m.group("v"), singular(m.group("p"))
            if verb_word in _NOT_ACTS or period not in _PERIODS:
                continue
            lemma = kb.pos_table()["v"].get(verb_word)
            if not lemma:
                continue  # not a verb English knows
            lemma = lemma.rstrip("*")
            a = self._known(m.group("a"))
            b = self._known(m.group("b"))
            if a is None or b is None or a == b:
                continue
            nouns = [n for n in nominalizations(lemma) if n != lemma and n in kb.noun_index()]
            if not nouns and lemma in kb.noun_index():
                nouns = [lemma]  # "visit", "loan": the act's own noun
            # "host" is someone who hosts, not the hosting
            nouns = [n for n in nouns if not _names_someone(n)]
            name = self._resolve(nouns[0]) if nouns else f"{b}_{a}"
            if name in (a, b):
                continue
            ev = m.group(0)
            act = self._entity(name, NP(name.split("_"), det="each"))
            if act.provenance != "stated":
                act.provenance = "stated"
            if act.archetype is None and act.kind is None:
                act.kind = "link"  # "a truck does one route per day": named by its two ends, no name column
            # the pairing is the act's: a key between the two was a reading of the same words
            self.req.relationships = [
                r
                for r in self.req.relationships
                if not ({r.source, r.target} == {a, b} and r.role is None and r.kind != "self")
            ]
            for end in (a, b):
                self._add(Relationship("many_to_one", name, end, required=True, evidence=ev))
            for one, other in ((a, b), (b, a)):  # "a plot has at most one gardener per season": not a column
                ent = self.req.entities[one]
                ent.attributes = [x for x in ent.attributes if x.name != other]
            p_entity = self._known(period)
            if p_entity is not None and p_entity not in (a, b, name):
                self._add(Relationship("many_to_one", name, p_entity, required=True, evidence=ev))
            elif not act.attribute(period):
                act.attributes.append(Attribute(name=period, not_null=True, evidence=ev))
            if p_entity is None or p_entity in (a, b, name):
                self.acts_per_period[name] = (a, period)

    def _act_rules(self) -> None:
        """ "at most one plot per season" on an act over time: unique per period. A uniqueness of the act
        without its period would allow one rental ever; rule readings that lost the period are dropped,
        and "a gardener ... at most one plot per season" is the gardener's one rental per season."""
        for act, (who, period) in getattr(self, "acts_per_period", {}).items():
            self.req.rules = [
                r
                for r in self.req.rules
                if not (
                    r.kind == "unique"
                    and r.entity == act
                    and (period not in r.columns + r.scope or set(r.columns + r.scope) == {period})
                )
            ]
            if not any(
                r.kind == "unique" and r.entity == act and set(r.columns + r.scope) == {who, period}
                for r in self.req.rules
            ):
                self.req.rules.append(
                    Rule(kind="unique", entity=act, columns=[who, period], evidence=f"one {act} per {period}")
                )

    def _known(self, word: str) -> str | None:
        """The entity a word names (either number, or an alias), if the text made it one."""
        for cand in (word, singular(word)):
            if cand in self.req.entities:
                return cand
            if cand in getattr(self, "alias", {}) and self._resolve(cand) in self.req.entities:
                return self._resolve(cand)
        return None


def _names_someone(noun: str) -> bool:
    arch = kb.archetype_for(noun)
    return kb.names_person(noun) or (arch is not None and arch.kind in ("actor", "org"))

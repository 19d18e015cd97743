"""Rebuild ``pos.json`` (which English words can be verbs, adjectives or adverbs) from LemmInflect's lexicon.

The parser needs to know whether a word can be a verb ("accept", "works") or only an adjective
("several", "late"); LemmInflect (PyPI ``lemminflect``, MIT) ships exactly that lexicon. It is a
development-time source only: the derived table is stored here so that designing needs neither the
package nor its 0.7 s load.

    pip install lemminflect && python src/aishell/design/kb/build_pos.py
"""

from __future__ import annotations

import collections
import gzip
import json
import os
from pathlib import Path


def build() -> dict:
    import lemminflect

    path = os.path.join(os.path.dirname(lemminflect.__file__), "resources", "lemma_lu.csv.gz")
    pos: dict[str, dict[str, str]] = collections.defaultdict(dict)
    with gzip.open(path, "rt") as fh:
        for line in fh:
            word, tag, lemmas = line.rstrip("\n").split(",", 2)
            if word.isalpha() and word.islower():
                pos[word].setdefault(tag, lemmas.split("/")[0])
    verbs = {}
    for w, d in pos.items():
        if "verb" in d:
            verbs[w] = d["verb"] + ("*" if "noun" in d else "")
    adjectives = sorted(w for w, d in pos.items() if "adj" in d and "noun" not in d and "verb" not in d)
    adverbs = sorted(
        w for w, d in pos.items() if "adv" in d and "noun" not in d and "verb" not in d and "adj" not in d
    )
    return {
        "_about": "Derived from LemmInflect's lexicon by build_pos.py: v = verb forms -> lemma ('*': also a "
        "noun); a = adjective-only words; r = adverb-only words.",
        "v": dict(sorted(verbs.items())),
        "a": adjectives,
        "r": adverbs,
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("pos.json")
    out.write_text(json.dumps(build(), separators=(",", ":")), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size // 1024} kB)")

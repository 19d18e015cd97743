"""The offline reader's public names (the code is in ``aishell.design.read``, one module per step)."""

from aishell.design.read import FEATURES, find_scale, parse, split_clauses, tokenize
from aishell.design.words import is_plural, plural, singular, snake, verb_lemma

__all__ = [
    "FEATURES",
    "find_scale",
    "is_plural",
    "parse",
    "plural",
    "singular",
    "snake",
    "split_clauses",
    "tokenize",
    "verb_lemma",
]

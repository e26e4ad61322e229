"""Typo tolerance for the database backend: words one edit away that the index actually holds.

Candidates are the Damerau-Levenshtein distance-1 neighbours of a word (deletions, swaps of
adjacent letters, substitutions, insertions), looked up in the index vocabulary with one
indexed ``IN`` query, the way a spelling corrector checks a dictionary. Only words the
vocabulary lacks are corrected, so correct spellings cost one lookup and never widen a query.
"""
from __future__ import annotations

import string

from search.models import SearchTerm
from search.query import ParsedQuery

ALPHABET = string.ascii_lowercase + string.digits
MIN_TYPO_CHARS = 4
MAX_CORRECTIONS = 4


def edits1(word: str) -> set[str]:
    """Every string one deletion, adjacent swap, substitution or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    inserts = {a + c + b for a, b in splits for c in ALPHABET}
    return (deletes | swaps | replaces | inserts) - {word}


def known_terms(words) -> set[str]:
    """The words the index vocabulary holds (lower-cased, as typed)."""
    return set(SearchTerm.objects.filter(term__in={w.lower() for w in words}).values_list("term", flat=True))


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one edit), for short words."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def add_corrections(parsed: ParsedQuery) -> None:
    """Fill ``Group.corrections`` for words the index has never seen."""
    words = {g.words[0] for g in parsed.groups if not g.is_phrase and len(g.words[0]) >= MIN_TYPO_CHARS}
    if not words:
        return
    known = set(SearchTerm.objects.filter(term__in=words).values_list("term", flat=True))
    unknown = {w: edits1(w) for w in words - known}
    if not unknown:
        return
    candidates = set().union(*unknown.values())
    found = set(SearchTerm.objects.filter(term__in=candidates).values_list("term", flat=True))
    for group in parsed.groups:
        near = unknown.get(group.words[0]) if not group.is_phrase else None
        if near:
            group.corrections = tuple(sorted(near & found))[:MAX_CORRECTIONS]

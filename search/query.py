"""Turn what a user typed into a safe, engine-neutral query: word groups, phrases, synonyms.

Only letters and digits reach an engine: quotes, operators and punctuation are syntax here,
never passed through, so no input can break an engine's query language. Dotted names
(``sales.orders``) and quoted text become phrases; every other word is a group that an engine
may match exactly, by prefix, with a typo or through a synonym.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from search.synonyms import synonyms_of

MAX_QUERY_CHARS = 512
MAX_GROUPS = 12
MIN_PREFIX_CHARS = 3

_WORD = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"')

STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was were will with"
    " about all any me my our show find get i we you your not".split()
)


class QueryError(ValueError):
    """The query cannot be searched (too long); the API answers 400 with this message."""


@dataclass
class Group:
    """One thing the user asked for: a word or a phrase, with its alternative spellings."""

    words: tuple[str, ...]
    synonyms: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()  # typo candidates found in the index vocabulary

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def prefix(self) -> bool:
        return not self.is_phrase and len(self.words[0]) >= MIN_PREFIX_CHARS

    @property
    def other_synonyms(self) -> tuple[str, ...]:
        """Synonyms the word's prefix query does not already cover ("prices" is in "price*")."""
        word = self.words[0]
        return tuple(s for s in self.synonyms if not (self.prefix and s.startswith(word)))


@dataclass
class ParsedQuery:
    text: str
    exact: str  # compared with identifiers and names, case-insensitively
    groups: list[Group] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def words(self) -> list[str]:
        return [w for g in self.groups for w in (*g.words, *g.synonyms, *g.corrections)]


def parse(text: str) -> ParsedQuery:
    """Parse user text; raises ``QueryError`` when it is longer than ``MAX_QUERY_CHARS``."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"Search text is limited to {MAX_QUERY_CHARS} characters (got {len(text)}).")
    exact = " ".join(text.replace('"', " ").lower().split())
    groups = [Group(words=tuple(words)) for words in _phrases(text)][:MAX_GROUPS]
    groups = _drop_stopwords(groups)
    for group in groups:
        if not group.is_phrase:
            group.synonyms = synonyms_of(group.words[0])
    return ParsedQuery(text=text, exact=exact, groups=_dedupe(groups))


def _phrases(text: str):
    """Quoted segments and punctuated chunks (``sales.orders``) as phrases, other chunks as words."""
    chunks: list[str] = []
    rest = _QUOTED.sub(lambda m: chunks.append(m.group(1)) or " ", text)
    quoted = [_WORD.findall(c.lower()) for c in chunks]
    yield from (words for words in quoted if words)
    for chunk in rest.replace('"', " ").split():
        words = _WORD.findall(chunk.lower())
        if words:
            yield words


def _drop_stopwords(groups: list[Group]) -> list[Group]:
    kept = [g for g in groups if g.is_phrase or g.words[0] not in STOPWORDS]
    return kept or groups  # a query of stopwords alone still searches for them


def _dedupe(groups: list[Group]) -> list[Group]:
    seen: set[tuple[str, ...]] = set()
    unique = []
    for group in groups:
        if group.words not in seen:
            seen.add(group.words)
            unique.append(group)
    return unique

"""How text is cut into words and how far a typed word may be from a word of the index.

The same on every engine:

- Words: split on anything that is not a letter or digit, lower-cased, accents folded
  ("Café" → "cafe"), words over 40 characters dropped. The tantivy engine indexes with exactly
  this analyzer; Elasticsearch with the standard tokenizer + lowercase + asciifolding, which
  agrees on ordinary product text. Queries are always cut here, by this one function.
- A query word matches a word of the document within `auto_fuzziness(word)` edits, like
  Elasticsearch's `fuzziness: AUTO`: none up to 2 characters, 1 up to 5, 2 beyond. An edit is
  an insertion, a deletion, a substitution or a swap of two neighbours ("samsnug" → "samsung"
  is one edit).
- The last word of a query also matches as a prefix when it has at least
  `PREFIX_MIN_LENGTH` characters ("sams" finds "samsung"), and at any length while the
  customer types (suggestions).
"""

from __future__ import annotations

import functools

import tantivy

TOKENIZER_NAME = "bazaar_text"
MAX_WORD_LENGTH = 40
PREFIX_MIN_LENGTH = 3
MAX_QUERY_WORDS = 8  # a pasted paragraph must not become 200 fuzzy clauses


@functools.cache
def analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_WORD_LENGTH))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def tokens(text: str, *, limit: int = MAX_QUERY_WORDS) -> list[str]:
    """The words of `text`, as the index holds them; at most `limit`, duplicates dropped."""
    seen: list[str] = []
    for word in analyzer().analyze(text or ""):
        if word not in seen:
            seen.append(word)
            if len(seen) == limit:
                break
    return seen


def auto_fuzziness(word: str) -> int:
    """Edits allowed for a query word of this length (Elasticsearch's AUTO, i.e. AUTO:3,6)."""
    n = len(word)
    return 0 if n <= 2 else 1 if n <= 5 else 2


def fuzziness(word: str, extra: int = 0) -> int:
    return min(2, auto_fuzziness(word) + extra)


def prefix_allowed(word: str, *, last: bool, as_you_type: bool) -> bool:
    return last and (as_you_type or len(word) >= PREFIX_MIN_LENGTH)


def edit_distance(a: str, b: str, *, cap: int = 3) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours), the
    distance both engines' fuzzy queries use; anything above `cap` is reported as cap + 1."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[-1], cap + 1)


def word_matches(query_word: str, doc_words: set[str] | list[str], *, last: bool = False,
                 as_you_type: bool = False, extra: int = 0) -> bool:
    """The matching rule, in plain Python: what the engines do, for tests and "did you mean"."""
    allowed = fuzziness(query_word, extra)
    prefix = prefix_allowed(query_word, last=last, as_you_type=as_you_type)
    for word in doc_words:
        if prefix and word.startswith(query_word):
            return True
        if edit_distance(query_word, word, cap=allowed) <= allowed:
            return True
    return False

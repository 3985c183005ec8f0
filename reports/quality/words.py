"""Russian words of a post: the prose split into words, and their pymorphy3 lemmas.

Read by both the spelling check and the directions of activity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from monitoring.types import HASHTAG_RE

# Words are runs of Cyrillic letters, hyphenated compounds kept whole («из-за»). Runs glued to
# digits or Latin letters («9-го», «5-й», «мбоусош9им») are not words and are left out.
WORD_RE = re.compile(r"(?<![\w-])[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*(?![\w-])")
# Removed before the words are read: they are not prose (hashtags are read separately).
NON_PROSE_RE = re.compile(
    r"https?://\S+|www\.\S+|\[(?:club|public|event|id)\d+\|[^\]]*\]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w+|"
    + HASHTAG_RE.pattern,
    re.UNICODE,
)
SENTENCE_END = frozenset(".!?…")
# pymorphy3 grammemes of proper nouns: a capitalised word with a dictionary parse carrying one
# of these is a name, not a misspelling (see `reports.quality.spelling.misspelled_words`).
PROPER_NOUN_GRAMMEMES = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})


def fold(word: str) -> str:
    """Lowercase, е for ё: how words are compared."""
    return word.lower().replace("ё", "е")


def prose(text: str) -> str:
    """The text without links, mentions, e-mail addresses and hashtags."""
    return NON_PROSE_RE.sub(" ", text)


def words(text: str) -> Iterable[tuple[str, bool]]:
    """Each Cyrillic word of the prose and whether it opens a sentence (or a line, or a quote)."""
    clean = prose(text)
    for match in WORD_RE.finditer(clean):
        yield match.group(), _opens_sentence(clean, match.start())


def _opens_sentence(text: str, start: int) -> bool:
    # Walk back over spaces, quotes, brackets, dashes and emoji: a letter, digit or a comma-like
    # mark means the sentence goes on; a full stop, a line break or the start of text means new.
    for char in reversed(text[:start]):
        if char == "\n" or char in SENTENCE_END:
            return True
        if char.isalnum() or char in ",;:":
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Morphology


@lru_cache(maxsize=1)
def morph_analyzer():
    """pymorphy3's analyzer with the Russian dictionaries; loaded once per process."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=100_000)
def lemma(word: str) -> str:
    """The most likely normal form, folded (lowercase, е for ё)."""
    return fold(morph_analyzer().parse(word)[0].normal_form)


@lru_cache(maxsize=100_000)
def all_lemmas(word: str) -> frozenset[str]:
    return frozenset(fold(p.normal_form) for p in morph_analyzer().parse(word))


@lru_cache(maxsize=100_000)
def is_known_proper_noun(word: str) -> bool:
    """pymorphy3's own dictionary (not its guess) lists the word as a name, place or organization.
    Guesses are left out: a capitalised typo is guessed to be a surname as readily as a surname."""
    return any(
        p.is_known and not PROPER_NOUN_GRAMMEMES.isdisjoint(p.tag.grammemes) for p in morph_analyzer().parse(word)
    )

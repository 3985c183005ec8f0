"""Spelling of the post texts: Hunspell ``ru_RU`` through pyenchant, plus ``reports/wordlist.txt``."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy

from monitoring.types import Post
from reports.quality.examples import PostExample, newest_examples
from reports.quality.words import all_lemmas, fold, is_known_proper_noun, words

SUGGESTIONS_PER_WORD = 3
# Distinct misspelled words listed, most frequent first; a page full of them needs a proofreader,
# not a longer list (and each suggestion costs Hunspell some 25 ms).
MAX_MISSPELLINGS = 25

SPELLING_LANGUAGE = "ru_RU"
WORDLIST_PATH = Path(__file__).parent.parent / "wordlist.txt"

NOTICE_NO_DICTIONARY = gettext_lazy(
    "Словарь русского языка не установлен (пакет hunspell-ru): проверка орфографии недоступна"
)
NOTICE_NO_ENCHANT = gettext_lazy(
    "Библиотека проверки орфографии не установлена (пакеты pyenchant и libenchant-2-2): "
    "проверка орфографии недоступна"
)
NOTICE_SPELLING_FAILED = gettext_lazy("Проверка орфографии не запустилась: %(error)s")


@dataclass(frozen=True)
class Misspelling:
    word: str  # as first written
    suggestions: tuple[str, ...]
    count: int  # occurrences over all posts
    examples: tuple[PostExample, ...]


@dataclass(frozen=True)
class SpellingAdvice:
    available: bool
    notice: str  # why the check did not run; "" when it ran
    words_checked: int = 0
    misspellings: tuple[Misspelling, ...] = ()  # at most MAX_MISSPELLINGS
    more: int = 0  # distinct misspelled words beyond those listed

    @property
    def advised(self) -> bool:
        return bool(self.misspellings)


class SpellingChecker:
    """Hunspell through an Enchant dictionary with the project word list.

    A word also passes when one of its pymorphy3 lemmas is a project word, so the list needs
    no inflected forms («Кванториуме», «госпабликов», «Кущёвской»).
    """

    def __init__(self, dictionary: Any, project_words: Iterable[str]):
        self._dictionary = dictionary
        self._project = frozenset(fold(w) for w in project_words)
        # Hunspell keeps state while suggesting; threads of one process share this object.
        self._lock = threading.Lock()
        self._suggestions = lru_cache(maxsize=4096)(self._suggest)

    def is_correct(self, word: str) -> bool:
        with self._lock:
            if self._dictionary.check(word):
                return True
        return fold(word) in self._project or not self._project.isdisjoint(all_lemmas(word))

    def suggest(self, word: str, limit: int = SUGGESTIONS_PER_WORD) -> tuple[str, ...]:
        return self._suggestions(word)[:limit]

    def _suggest(self, word: str) -> tuple[str, ...]:
        with self._lock:
            return tuple(dict.fromkeys(self._dictionary.suggest(word)))


def spelling_checker(language: str = SPELLING_LANGUAGE) -> tuple[SpellingChecker | None, str]:
    """The checker for `language`, or None and a Russian notice saying why it is unavailable.

    Loaded once per process and language (a Hunspell dictionary takes a moment to load); a
    missing dictionary is remembered too, so installing hunspell-ru needs a restart.
    """
    # lru_cache does not stop threads that miss together from all loading: Enchant's broker
    # is not thread-safe, and concurrent DictWithPWL() calls crash the process (gthread workers).
    with _LOAD_LOCK:
        return _load_checker(language, str(WORDLIST_PATH))


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def _load_checker(language: str, wordlist: str) -> tuple[SpellingChecker | None, Any]:
    try:
        import enchant
        import enchant.errors
    except ImportError:  # pyenchant absent, or it found no libenchant
        return None, NOTICE_NO_ENCHANT
    try:
        dictionary = enchant.DictWithPWL(language, wordlist)
    except enchant.errors.DictNotFoundError:
        return None, NOTICE_NO_DICTIONARY
    except (enchant.errors.Error, OSError) as exc:
        return None, NOTICE_SPELLING_FAILED % {"error": exc}
    return SpellingChecker(dictionary, _read_wordlist(Path(wordlist))), ""


def _read_wordlist(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def misspelled_words(text: str, checker: SpellingChecker) -> list[str]:
    """The words of `text` the dictionary rejects, in order.

    Which words are checked — proper nouns are the main source of false alarms (surnames of
    inspectors and authors, street and village names), and school news is full of them:
    - lowercase words: always;
    - all-capitals and mixed-case words (МБОУ, ГИБДД, ВКонтакте): never — abbreviations and
      brand names; the project ones are in the word list anyway;
    - capitalised words inside a sentence: never — in Russian a capital there marks a name;
    - capitalised words opening a sentence, line or quotation: checked, because a typo there is
      as likely as anywhere, unless pymorphy3's dictionary knows the word as a name, surname,
      patronymic, place or organization. An unknown surname opening a sentence is still
      reported; the advice is a hint, and the word list takes the district's recurring names.
    Single letters (initials, «г.», «т. д.») are skipped.
    """
    return [word for word in checked_words(text) if not checker.is_correct(word)]


def checked_words(text: str) -> Iterable[str]:
    """The words of `text` the spelling check looks at (see `misspelled_words`)."""
    for word, opens in words(text):
        if len(word) >= 2 and _should_check(word, opens):
            yield word


def _should_check(word: str, opens_sentence: bool) -> bool:
    if word.islower():
        return True
    rest = word[1:]
    if word[0].isupper() and (rest.islower() or not any(c.isalpha() for c in rest)):
        return opens_sentence and not is_known_proper_noun(word)
    return False


def spelling_advice(posts: Sequence[Post], checker: SpellingChecker | None, notice: str = "") -> SpellingAdvice:
    if checker is None:
        return SpellingAdvice(available=False, notice=str(notice or NOTICE_NO_DICTIONARY))
    checked = 0
    seen: dict[str, dict[str, Any]] = {}
    for post in posts:
        for word in checked_words(post.text):
            checked += 1
            if checker.is_correct(word):
                continue
            entry = seen.setdefault(fold(word), {"word": word, "count": 0, "posts": {}})
            entry["count"] += 1
            entry["posts"].setdefault((post.network, post.external_id), post)
    entries = sorted(seen.values(), key=lambda e: (-e["count"], fold(e["word"])))
    misspellings = tuple(
        Misspelling(
            word=entry["word"],
            suggestions=checker.suggest(entry["word"]),
            count=entry["count"],
            examples=newest_examples(entry["posts"].values()),
        )
        for entry in entries[:MAX_MISSPELLINGS]
    )
    return SpellingAdvice(
        available=True,
        notice="",
        words_checked=checked,
        misspellings=misspellings,
        more=max(0, len(entries) - MAX_MISSPELLINGS),
    )

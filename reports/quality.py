"""Quality advisories of DESIGN §3.4: advice to an organization, never a verdict.

The briefing asks for «качество публикуемого материала – хорошие фото и текст без ошибок» and
lists what good pages do («ИЗ ОПЫТА КОЛЛЕГ»): informative posts, tags, «охват всех направлений
деятельности», regular posting, good photos, video. For the organization's own community posts
of the last 30 days this module reports:

- spelling of the post texts (Hunspell ``ru_RU`` through pyenchant, plus ``wordlist.txt``);
- the share of posts with hashtags, with photos, with video;
- photos below a useful resolution (``LOW_RES_MAX_SIDE_PX``);
- engagement: reactions per post and per 100 views;
- coverage of the directions of activity (``DIRECTIONS``), from hashtags and word lemmas.

Each advice carries up to ``EXAMPLES_PER_ADVICE`` examples linked to the posts.

Everything but ``organization_quality`` is a pure function over ``monitoring.types.Post``
(no database, no HTTP); the selector loads the posts in one query and calls them. Nothing here
changes a compliance status: these numbers are shown, not judged.

Which posts count: community posts (DESIGN §3.2) dated within the window, without reposts. A
repost's text and photos belong to the original author (``Post.attachment_kinds`` and
``largest_photo_px`` hold only the post's own attachments), so judging them would blame the
school for someone else's post or for «no photo» on a repost that has one; the report says how
many reposts it left out.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.models import PagePost
from monitoring.types import HASHTAG_RE, OK, VK, Post
from organizations.models import Organization

DEFAULT_DAYS = 30
EXAMPLES_PER_ADVICE = 3
EXCERPT_CHARS = 160
SUGGESTIONS_PER_WORD = 3
# Distinct misspelled words listed, most frequent first; a page full of them needs a proofreader,
# not a longer list (and each suggestion costs Hunspell some 25 ms).
MAX_MISSPELLINGS = 25

# Photos whose longest side is under this many pixels are "low resolution". VK keeps a
# proportional copy of every photo with the longest side 807 px (size type "y") only when the
# upload is at least that large; below it, the largest copy is the 604 px "x". So under 800 px
# means VK never had more than about its feed-preview size: the photo fills a phone screen
# (a 360-point-wide feed is 1080 physical pixels) or the photo viewer only by being stretched,
# and looks soft — the opposite of the briefing's «хороший фотоматериал».
LOW_RES_MAX_SIDE_PX = 800

# Attachment kinds as the clients store them: VK "photo", "video", "clip" (short video);
# OK media "photo", "movie".
PHOTO_KINDS = frozenset({"photo"})
VIDEO_KINDS = frozenset({"video", "clip", "movie"})

SPELLING_LANGUAGE = "ru_RU"
WORDLIST_PATH = Path(__file__).with_name("wordlist.txt")
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
# of these is a name, not a misspelling (see `misspelled_words`).
PROPER_NOUN_GRAMMEMES = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})

NOTICE_NO_DICTIONARY = gettext_lazy(
    "Словарь русского языка не установлен (пакет hunspell-ru): проверка орфографии недоступна"
)
NOTICE_NO_ENCHANT = gettext_lazy(
    "Библиотека проверки орфографии не установлена (пакеты pyenchant и libenchant-2-2): "
    "проверка орфографии недоступна"
)
NOTICE_SPELLING_FAILED = gettext_lazy("Проверка орфографии не запустилась: %(error)s")

NETWORK_LABELS = {VK: gettext_lazy("ВКонтакте"), OK: gettext_lazy("Одноклассники")}


def _fold(word: str) -> str:
    """Lowercase, е for ё: how words are compared."""
    return word.lower().replace("ё", "е")


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class PostExample:
    """One post an advice points at: where it is, when, how it starts, and why it is shown."""

    url: str  # "" when the post's address cannot be built (an OK post without its group id)
    date: datetime
    excerpt: str  # "" for a post without text
    network: str
    external_id: str
    detail: str = ""  # «640 px», «реакций: 12», the matched words of a direction

    @property
    def network_label(self) -> str:
        return str(NETWORK_LABELS.get(self.network, self.network))


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


@dataclass(frozen=True)
class ShareAdvice:
    """How many posts have hashtags / photos / video. `examples_without` are the posts the
    advice is about; `examples_with` are the ones to follow (for video, the only useful list)."""

    code: str  # "hashtags", "photos", "video"
    label: str
    count: int
    total: int
    examples_without: tuple[PostExample, ...] = ()
    examples_with: tuple[PostExample, ...] = ()

    @property
    def share(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def percent(self) -> int | None:
        return round(100 * self.count / self.total) if self.total else None

    @property
    def without(self) -> int:
        return self.total - self.count

    @property
    def advised(self) -> bool:
        # Every post should carry tags and a photo; video only has to appear at all.
        if not self.total:
            return False
        if self.code == "video":
            return self.count == 0
        return self.count < self.total


@dataclass(frozen=True)
class LowResolutionAdvice:
    threshold_px: int
    photo_posts: int  # posts whose largest photo side is known
    unknown_size: int  # posts with photos of unknown size (OK gives no sizes)
    count: int  # posts whose largest photo is under the threshold
    examples: tuple[PostExample, ...] = ()

    @property
    def advised(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class EngagementAdvice:
    """Reactions = likes + reposts + comments. Per post over the posts whose counters the
    network gave; per 100 views over the posts whose views it gave (VK yes, OK no)."""

    posts: int  # posts with any counter known
    reactions: int
    posts_with_views: int
    views: int
    reactions_on_viewed: int  # reactions of the posts with views
    best: tuple[PostExample, ...] = ()

    @property
    def per_post(self) -> float | None:
        return self.reactions / self.posts if self.posts else None

    @property
    def per_100_views(self) -> float | None:
        return 100 * self.reactions_on_viewed / self.views if self.views else None


@dataclass(frozen=True)
class DirectionCoverage:
    code: str
    label: str
    posts: int
    examples: tuple[PostExample, ...] = ()

    @property
    def covered(self) -> bool:
        return self.posts > 0


@dataclass(frozen=True)
class CoverageAdvice:
    directions: tuple[DirectionCoverage, ...]  # in DIRECTIONS order

    @property
    def covered(self) -> tuple[DirectionCoverage, ...]:
        return tuple(d for d in self.directions if d.covered)

    @property
    def uncovered(self) -> tuple[DirectionCoverage, ...]:
        return tuple(d for d in self.directions if not d.covered)

    @property
    def advised(self) -> bool:
        return bool(self.uncovered)


@dataclass(frozen=True)
class QualityReport:
    since: datetime
    until: datetime
    days: int
    posts: int  # community posts of the window that were analysed
    reposts_skipped: int
    spelling: SpellingAdvice
    hashtags: ShareAdvice
    photos: ShareAdvice
    video: ShareAdvice
    low_resolution: LowResolutionAdvice
    engagement: EngagementAdvice
    coverage: CoverageAdvice

    @property
    def shares(self) -> tuple[ShareAdvice, ...]:
        return (self.hashtags, self.photos, self.video)

    @property
    def advice_count(self) -> int:
        parts = (self.spelling, *self.shares, self.low_resolution, self.coverage)
        return sum(1 for part in parts if part.advised)


# ---------------------------------------------------------------------------------------------
# Posts, links, excerpts


def post_url(post: Post) -> str:
    """The post's public address. VK ids are ``{owner_id}_{post_id}``; an OK community topic
    names its group in ``author_id`` (``group:<gid>``), which the OK client stores."""
    if post.network == VK and "_" in post.external_id:
        return f"https://vk.com/wall{post.external_id}"
    if post.network == OK and post.author_id.startswith("group:") and post.external_id:
        return f"https://ok.ru/group/{post.author_id.removeprefix('group:')}/topic/{post.external_id}"
    return ""


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut.rstrip(" ,.;:—-") + "…"


def example(post: Post, detail: str = "") -> PostExample:
    return PostExample(
        url=post_url(post),
        date=post.date,
        excerpt=excerpt(post.text),
        network=post.network,
        external_id=post.external_id,
        detail=detail,
    )


def posts_in_window(posts: Iterable[Post], *, since: datetime, until: datetime) -> tuple[list[Post], int]:
    """The community's own posts of the window, newest first, and the number of reposts left out."""
    own, reposts = [], 0
    for post in posts:
        if not post.from_community or not since <= post.date <= until:
            continue
        if post.is_repost:
            reposts += 1
        else:
            own.append(post)
    own.sort(key=lambda p: p.date, reverse=True)
    return own, reposts


def _newest(posts: Iterable[Post], limit: int = EXAMPLES_PER_ADVICE, detail: Callable[[Post], str] | None = None):
    return tuple(example(p, detail(p) if detail else "") for p in list(posts)[:limit])


# ---------------------------------------------------------------------------------------------
# Spelling


class SpellingChecker:
    """Hunspell through an Enchant dictionary with the project word list.

    A word also passes when one of its pymorphy3 lemmas is a project word, so the list needs
    no inflected forms («Кванториуме», «госпабликов», «Кущёвской»).
    """

    def __init__(self, dictionary: Any, project_words: Iterable[str]):
        self._dictionary = dictionary
        self._project = frozenset(_fold(w) for w in project_words)
        # Hunspell keeps state while suggesting; threads of one process share this object.
        self._lock = threading.Lock()
        self._suggestions = lru_cache(maxsize=4096)(self._suggest)

    def is_correct(self, word: str) -> bool:
        with self._lock:
            if self._dictionary.check(word):
                return True
        return _fold(word) in self._project or not self._project.isdisjoint(all_lemmas(word))

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
    return _load_checker(language, str(WORDLIST_PATH))


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
            entry = seen.setdefault(_fold(word), {"word": word, "count": 0, "posts": {}})
            entry["count"] += 1
            entry["posts"].setdefault((post.network, post.external_id), post)
    entries = sorted(seen.values(), key=lambda e: (-e["count"], _fold(e["word"])))
    misspellings = tuple(
        Misspelling(
            word=entry["word"],
            suggestions=checker.suggest(entry["word"]),
            count=entry["count"],
            examples=_newest(entry["posts"].values()),
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


# ---------------------------------------------------------------------------------------------
# Hashtags, photos, video, resolution, engagement


def has_hashtags(post: Post) -> bool:
    return bool(post.hashtags)


def has_photo(post: Post) -> bool:
    return not PHOTO_KINDS.isdisjoint(post.attachment_kinds)


def has_video(post: Post) -> bool:
    return not VIDEO_KINDS.isdisjoint(post.attachment_kinds)


SHARES: dict[str, tuple[Any, Callable[[Post], bool]]] = {
    "hashtags": (gettext_lazy("С тегами"), has_hashtags),
    "photos": (gettext_lazy("С фотографиями"), has_photo),
    "video": (gettext_lazy("С видео"), has_video),
}


def share_advice(posts: Sequence[Post], code: str) -> ShareAdvice:
    """How many of `posts` (newest first) have the feature `code` (a key of SHARES)."""
    label, test = SHARES[code]
    having = [p for p in posts if test(p)]
    lacking = [p for p in posts if not test(p)]
    return ShareAdvice(
        code=code,
        label=str(label),
        count=len(having),
        total=len(posts),
        examples_without=_newest(lacking),
        examples_with=_newest(having),
    )


def low_resolution_advice(posts: Sequence[Post], threshold_px: int = LOW_RES_MAX_SIDE_PX) -> LowResolutionAdvice:
    with_photo = [p for p in posts if has_photo(p) or p.largest_photo_px is not None]
    sized = [p for p in with_photo if p.largest_photo_px is not None]
    small = [p for p in sized if p.largest_photo_px < threshold_px]
    return LowResolutionAdvice(
        threshold_px=threshold_px,
        photo_posts=len(sized),
        unknown_size=len(with_photo) - len(sized),
        count=len(small),
        examples=_newest(small, detail=lambda p: _("%(px)d px") % {"px": p.largest_photo_px}),
    )


def reactions(post: Post) -> int | None:
    """Likes + reposts + comments; None when the network gave none of the three."""
    counts = [c for c in (post.likes, post.reposts, post.comments) if c is not None]
    return sum(counts) if counts else None


def engagement_advice(posts: Sequence[Post]) -> EngagementAdvice:
    counted = [(p, reactions(p)) for p in posts]
    counted = [(p, r) for p, r in counted if r is not None]
    viewed = [(p, r) for p, r in counted if p.views]
    best = sorted((pr for pr in counted if pr[1] > 0), key=lambda pr: (pr[1], pr[0].date), reverse=True)
    return EngagementAdvice(
        posts=len(counted),
        reactions=sum(r for _p, r in counted),
        posts_with_views=len(viewed),
        views=sum(p.views for p, _r in viewed),
        reactions_on_viewed=sum(r for _p, r in viewed),
        best=tuple(example(p, _("реакций: %(n)d") % {"n": r}) for p, r in best[:EXAMPLES_PER_ADVICE]),
    )


# ---------------------------------------------------------------------------------------------
# Directions of activity


@dataclass(frozen=True)
class Direction:
    code: str
    label: Any  # lazy, translated when shown
    lemmas: frozenset[str]  # pymorphy3 normal forms, lowercase, ё written as е
    hashtags: frozenset[str] = field(default_factory=frozenset)  # without «#», lowercase


def _direction(code: str, label: Any, lemmas: str, hashtags: str = "") -> Direction:
    # Lemmas keep their case: a capitalised one stands for a CAPITALISED_SENSE.
    return Direction(
        code,
        label,
        frozenset(w.replace("ё", "е").replace("Ё", "Е") for w in lemmas.split()),
        frozenset(_fold(t) for t in hashtags.split()),
    )


# «День Победы», «80-летие Победы»: written with a capital inside a sentence the word names the
# 1945 Victory (upbringing), not a contest won (achievements). Such a lemma is kept capitalised.
CAPITALISED_SENSE = frozenset({"победа"})

DIRECTIONS: dict[str, Direction] = {
    d.code: d
    for d in (
        _direction(
            "study", gettext_lazy("Учёба"),
            "учёба учебный обучение урок олимпиада олимпиадный экзамен огэ егэ впр гиа знание предмет "
            "математика математик физика химия биология информатика география литература диктант занятие "
            "научный исследовательский кванториум",
            "учёба урок олимпиада впр огэ егэ деньзнаний",
        ),
        _direction(
            "upbringing", gettext_lazy("Воспитание"),
            "воспитание воспитательный патриотизм патриотический патриот военно-патриотический волонтёр "
            "волонтёрский доброволец добровольческий юнармия юнармеец юнармейский орлёнок орлятский "
            "ветеран герой мужество память Победа благотворительный субботник экологический гражданский",
            "движениепервых орлятароссии разговорыоважном деньпобеды мыпомним бессмертныйполк юнармия "
            "эколята навигаторыдетства победа80",
        ),
        _direction(
            "sport", gettext_lazy("Спорт"),
            "спорт спортивный соревнование состязание турнир эстафета гто футбол волейбол баскетбол шахматы "
            "шахматный физкультура физкультурный зарядка спартакиада олимпийский тренировка тренер кросс "
            "лыжный плавание стадион",
            "гто спорт спортнормажизни",
        ),
        _direction(
            "safety", gettext_lazy("Безопасность"),
            "безопасность безопасный пдд гибдд пожарный пожар эвакуация антитеррористический терроризм "
            "инспектор дорожный светофор пешеход пешеходный мчс профилактика профилактический юид обж "
            "кибербезопасность травматизм",
            "пдд вниманиедети безопасность безопасноелето юид",
        ),
        _direction(
            "culture", gettext_lazy("Культура и творчество"),
            "культура культурный театр театральный концерт выставка музей творчество творческий песня "
            "танец танцевальный хор спектакль библиотека книга чтение литературный рисунок рисование "
            "фестиваль утренник экскурсия кино искусство художественный музыка музыкальный вокальный "
            "поэзия стихотворение чтец пушкинский",
            "пушкинскаякарта школьныйтеатр театр культура",
        ),
        _direction(
            "achievements", gettext_lazy("Достижения"),
            "достижение победа победитель призёр награда награждение грамота диплом дипломант медаль "
            "лауреат кубок рекорд",
            "нашипобеды гордимся достижения",
        ),
        _direction(
            "parents", gettext_lazy("Для родителей"),
            "родитель родительский собрание мама папа семья семейный",
            "родителям дляродителей родительскоесобрание семья",
        ),
        _direction(
            "career", gettext_lazy("Профориентация"),
            "профориентация профориентационный профессия профпроба профминимум колледж вуз университет "
            "техникум карьера специальность",
            "профориентация билетвбудущее проектория профминимум",
        ),
        _direction(
            "health", gettext_lazy("Здоровье и питание"),
            "здоровье здоровый питание медицинский вакцинация прививка врач зож гигиена витамин столовая "
            "меню здоровьесбережение диспансеризация грипп медосмотр завтрак",
            "зож здоровоепитание здоровье",
        ),
    )
}
# A hashtag that names no direction exactly is matched by the lemmas it starts with
# («#театрумикрофона» → театр); short lemmas (урок, спорт's «гто») would match too much.
HASHTAG_PREFIX_MIN = 5


def post_lemmas(text: str) -> set[str]:
    """The lemmas of the words of `text` (hashtags and links left out), folded (lowercase, е for ё).
    A hyphenated word gives its own lemma and those of its parts; an abbreviation (ПДД, ОБЖ)
    also stands for itself, as pymorphy3 may guess it a noun to decline («ОБЖ» → «обжа»)."""
    found: set[str] = set()
    for word, opens in words(text):
        if len(word) > 1 and word.isupper():
            found.add(_fold(word))
        parts = [word, *word.split("-")] if "-" in word else [word]
        for part in parts:
            base = lemma(part)
            if base in CAPITALISED_SENSE and part[0].isupper() and not opens and not part.isupper():
                base = base.capitalize()
            found.add(base)
    return found


def normal_hashtag(tag: str) -> str:
    """«#ПДД» → «пдд»; VK's «#тег@club1» → «тег»."""
    return _fold(tag.lstrip("#").split("@", 1)[0])


def post_directions(post: Post) -> dict[str, tuple[str, ...]]:
    """Direction code → the lemmas and hashtags (with «#») that place the post there."""
    lemmas = post_lemmas(post.text)
    tags = [normal_hashtag(t) for t in post.hashtags]
    exact = {t for t in tags if any(t in d.hashtags or t in d.lemmas for d in DIRECTIONS.values())}
    result: dict[str, tuple[str, ...]] = {}
    for code, direction in DIRECTIONS.items():
        matched = sorted(lemmas & direction.lemmas, key=str.lower)
        prefixes = [w for w in direction.lemmas if len(w) >= HASHTAG_PREFIX_MIN and w.islower()]
        for tag in tags:
            if tag in direction.hashtags or tag in direction.lemmas or (
                tag not in exact and any(tag.startswith(w) for w in prefixes)
            ):
                matched.append(f"#{tag}")
        if matched:
            result[code] = tuple(dict.fromkeys(matched))
    return result


def coverage_advice(posts: Sequence[Post]) -> CoverageAdvice:
    """Which directions the posts (newest first) touch, with examples, and which they miss."""
    hits: dict[str, list[tuple[Post, tuple[str, ...]]]] = {code: [] for code in DIRECTIONS}
    for post in posts:
        for code, matched in post_directions(post).items():
            hits[code].append((post, matched))
    return CoverageAdvice(
        directions=tuple(
            DirectionCoverage(
                code=code,
                label=str(direction.label),
                posts=len(hits[code]),
                examples=tuple(example(p, ", ".join(m)) for p, m in hits[code][:EXAMPLES_PER_ADVICE]),
            )
            for code, direction in DIRECTIONS.items()
        )
    )


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
    return _fold(morph_analyzer().parse(word)[0].normal_form)


@lru_cache(maxsize=100_000)
def all_lemmas(word: str) -> frozenset[str]:
    return frozenset(_fold(p.normal_form) for p in morph_analyzer().parse(word))


@lru_cache(maxsize=100_000)
def is_known_proper_noun(word: str) -> bool:
    """pymorphy3's own dictionary (not its guess) lists the word as a name, place or organization.
    Guesses are left out: a capitalised typo is guessed to be a surname as readily as a surname."""
    return any(
        p.is_known and not PROPER_NOUN_GRAMMEMES.isdisjoint(p.tag.grammemes) for p in morph_analyzer().parse(word)
    )


# ---------------------------------------------------------------------------------------------
# The report


def quality_report(
    posts: Iterable[Post],
    *,
    now: datetime,
    days: int = DEFAULT_DAYS,
    checker: SpellingChecker | None,
    spelling_notice: str = "",
) -> QualityReport:
    """Every advice for the community posts of the `days` before `now`."""
    since = now - timedelta(days=days)
    own, reposts = posts_in_window(posts, since=since, until=now)
    return QualityReport(
        since=since,
        until=now,
        days=days,
        posts=len(own),
        reposts_skipped=reposts,
        spelling=spelling_advice(own, checker, spelling_notice),
        hashtags=share_advice(own, "hashtags"),
        photos=share_advice(own, "photos"),
        video=share_advice(own, "video"),
        low_resolution=low_resolution_advice(own),
        engagement=engagement_advice(own),
        coverage=coverage_advice(own),
    )


def organization_quality(
    organization: Organization,
    *,
    now: datetime | None = None,
    days: int = DEFAULT_DAYS,
    spelling_language: str = SPELLING_LANGUAGE,
) -> QualityReport:
    """The quality advice for one organization's pages (VK and OK together), in one query."""
    now = now or timezone.now()
    rows = (
        PagePost.objects.filter(
            page__organization=organization,
            from_community=True,
            date__gte=now - timedelta(days=days),
            date__lte=now,
        )
        .select_related("page")
        .order_by("-date", "-id")
    )
    checker, notice = spelling_checker(spelling_language)
    return quality_report(
        [_post_from_row(row) for row in rows], now=now, days=days, checker=checker, spelling_notice=notice
    )


def _post_from_row(row: PagePost) -> Post:
    page = row.page
    author = row.author_id
    # post_url needs the OK group: the community's own topics name it, else the page knows it.
    if page.network == OK and not author.startswith("group:") and page.external_id:
        author = f"group:{page.external_id}"
    return Post(
        network=page.network,
        external_id=row.external_id,
        date=row.date,
        from_community=row.from_community,
        author_id=author,
        repost_of_personal=row.repost_of_personal,
        is_repost=row.is_repost,
        is_pinned=row.is_pinned,
        text=row.text,
        attachment_kinds=tuple(row.attachment_kinds or ()),
        largest_photo_px=row.largest_photo_px,
        views=row.views,
        likes=row.likes,
        reposts=row.reposts,
        comments=row.comments,
    )

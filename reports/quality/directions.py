"""Coverage of the directions of activity («охват всех направлений деятельности»), read from
the hashtags and the word lemmas of each post."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from monitoring.types import Post
from reports.quality.examples import EXAMPLES_PER_ADVICE, PostExample, example
from reports.quality.words import fold, lemma, words


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
        frozenset(fold(t) for t in hashtags.split()),
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


def post_lemmas(text: str) -> set[str]:
    """The lemmas of the words of `text` (hashtags and links left out), folded (lowercase, е for ё).
    A hyphenated word gives its own lemma and those of its parts; an abbreviation (ПДД, ОБЖ)
    also stands for itself, as pymorphy3 may guess it a noun to decline («ОБЖ» → «обжа»)."""
    found: set[str] = set()
    for word, opens in words(text):
        if len(word) > 1 and word.isupper():
            found.add(fold(word))
        parts = [word, *word.split("-")] if "-" in word else [word]
        for part in parts:
            base = lemma(part)
            if base in CAPITALISED_SENSE and part[0].isupper() and not opens and not part.isupper():
                base = base.capitalize()
            found.add(base)
    return found


def normal_hashtag(tag: str) -> str:
    """«#ПДД» → «пдд»; VK's «#тег@club1» → «тег»."""
    return fold(tag.lstrip("#").split("@", 1)[0])


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

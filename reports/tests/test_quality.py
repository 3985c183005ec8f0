"""Quality advice (DESIGN §3.4): spelling, shares, photo resolution, engagement, directions.

The spelling tests use the real Hunspell ru_RU dictionary through pyenchant (apt hunspell-ru,
libenchant-2-2). Without it they skip, or fail under GOVPUBLIC_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.template.loader import render_to_string

from conftest import service_unavailable
from monitoring.models import PagePost
from monitoring.types import OK, VK, Post
from organizations.models import OfficialPage
from reports import quality
from reports.quality import (
    DIRECTIONS,
    LOW_RES_MAX_SIDE_PX,
    NOTICE_NO_DICTIONARY,
    coverage_advice,
    engagement_advice,
    low_resolution_advice,
    misspelled_words,
    organization_quality,
    post_directions,
    post_lemmas,
    post_url,
    quality_report,
    share_advice,
    spelling,
    spelling_advice,
    spelling_checker,
)
from tests.factories import OrganizationFactory

NOW = datetime(2025, 3, 12, 6, 0, tzinfo=timezone.utc)
NO_SUCH_LANGUAGE = "xx_XX"

# The two posts of the briefing's «ИЗ ОПЫТА КОЛЛЕГ»: correct Russian full of names.
BRIEFING_POSTS = (
    "В преддверии весенних каникул в нашей школе прошла встреча с инспектором ГИБДД Мельницким В.В. "
    "Ребята совместно с инспектором вспомнили правила поведения на дороге, знаки светофора, для "
    "пешеходов. Профилактические мероприятия «Осторожно, дорога!» с детьми направлены на то, чтобы как "
    "можно больше школьников помнили о безопасности дорожного движения.\n#вниманиедети\n#ПДД\n"
    "#мбоусош9имПолевогорг",
    "16 марта 2023 года ребята 5 класса приняли участие в муниципальном конкурсе детского творчества "
    "«Школьный театр у микрофона». Ребята показали отрывок из произведения Александра Стрыгина «Голубые "
    "глаза», школьники не просто играли, а проживали роль своего персонажа из произведения о Великой "
    "Отечественной войне, передавая истинные чувства и эмоции.\n#КНШ\n#Театрумикрофона\n#мбоусош9имПолевогорг",
)


def make_post(n: int = 1, *, text: str = "", days_ago: float = 1, network: str = VK, **fields) -> Post:
    external_id = f"-100_{n}" if network == VK else str(n)
    fields.setdefault("author_id", "-100" if network == VK else "group:555")
    return Post(
        network=network,
        external_id=external_id,
        date=NOW - timedelta(days=days_ago),
        from_community=fields.pop("from_community", True),
        text=text,
        **fields,
    )


@pytest.fixture(scope="module")
def checker():
    found, notice = spelling_checker()
    if found is None:
        service_unavailable(f"Hunspell ru_RU through pyenchant: {notice}")
    return found


# --- Spelling --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word", "first_suggestion"),
    [
        ("Вчера прошла встерча с родителями будущих первоклассников.", "встерча", "встреча"),
        ("Ученики 7 класса написали олимпиаду по матиматике.", "матиматике", "математике"),
        ("Встерча выпускников состоится в субботу.", "Встерча", "Встреча"),
    ],
)
def test_a_misspelled_word_is_flagged_with_the_right_suggestion(checker, text, word, first_suggestion):
    assert misspelled_words(text, checker) == [word]
    assert checker.suggest(word)[0] == first_suggestion


@pytest.mark.parametrize("text", BRIEFING_POSTS)
def test_the_briefing_examples_have_no_misspellings(checker, text):
    assert misspelled_words(text, checker) == []


@pytest.mark.parametrize(
    "word",
    ["ВКонтакте", "Госуслуги", "Госуслугах", "госпаблик", "госпабликов", "Кущёвская", "Кущевской",
     "Кванториум", "Кванториуме", "Минпросвещения", "ГИБДД", "ПДД", "ОО", "ОДО", "КШИ", "ЦРО", "Юнармия",
     "юнармейцы", "Юнармии", "флешмоб"],
)
def test_a_project_word_passes_although_hunspell_alone_rejects_it(checker, word):
    import enchant

    assert not enchant.Dict("ru_RU").check(word), "the plain dictionary knows it: the case tests nothing"
    assert checker.is_correct(word)


def test_project_words_opening_sentences_are_not_flagged(checker):
    text = ("Кванториум открыл запись. Госуслуги подтвердили метку. Кущёвская школа в госпабликах! "
            "Юнармейцы провели флешмоб.")
    assert misspelled_words(text, checker) == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        # Capitalised inside a sentence: taken for a proper noun and not checked.
        ("Вчера прошла Встерча с ветеранами.", []),
        # Opening a sentence: checked, unless pymorphy3's dictionary knows a name.
        ("Итоги года. Встерча прошла тепло.", ["Встерча"]),
        ("Иванова стала призёром олимпиады.", []),
        # Abbreviations, hashtags, links, mentions and ordinals glued to digits are not prose.
        ("Ученики 9-го класса #встерча https://vk.com/встерча [club1|Встерча] СОШ МБОУ.", []),
    ],
)
def test_which_words_are_checked(checker, text, flagged):
    assert misspelled_words(text, checker) == flagged


def test_spelling_advice_groups_a_word_over_posts_with_examples(checker):
    posts = [make_post(i, text=f"Прошла встерча номер {i}.", days_ago=i) for i in range(1, 6)]
    advice = spelling_advice(posts, checker)
    assert advice.available and advice.advised
    [entry] = advice.misspellings
    assert (entry.word, entry.count, entry.suggestions[0]) == ("встерча", 5, "встреча")
    assert [e.url for e in entry.examples] == [f"https://vk.com/wall-100_{i}" for i in (1, 2, 3)]


def test_only_the_most_frequent_misspellings_are_listed(checker, monkeypatch):
    monkeypatch.setattr(spelling, "MAX_MISSPELLINGS", 2)
    posts = [make_post(1, text="встерча встерча матиматика матиматика матиматика сабрание")]
    advice = spelling_advice(posts, checker)
    assert [(m.word, m.count) for m in advice.misspellings] == [("матиматика", 3), ("встерча", 2)]
    assert advice.more == 1


def test_a_vk_post_header_is_not_flagged(checker):
    assert misspelled_words("МБОУ СОШ №9 им. Полевого П.Г.\n16 мар в 20:02 · Госорганизация", checker) == []


def test_a_missing_dictionary_gives_the_notice_instead_of_failing():
    found, notice = spelling_checker(NO_SUCH_LANGUAGE)
    assert found is None
    assert str(notice) == (
        "Словарь русского языка не установлен (пакет hunspell-ru): проверка орфографии недоступна"
    )
    advice = spelling_advice([make_post(text="встерча")], found, notice)
    assert (advice.available, advice.advised, advice.notice) == (False, False, str(NOTICE_NO_DICTIONARY))


# --- Shares, resolution, engagement ----------------------------------------------------------


def test_shares_of_posts_with_hashtags_photos_and_video():
    posts = [
        make_post(1, text="Концерт #культура", attachment_kinds=("photo", "video")),
        make_post(2, text="Урок", attachment_kinds=("photo",), days_ago=2),
        make_post(3, text="Собрание #родителям", days_ago=3),
        make_post(4, text="Кросс", attachment_kinds=("link",), days_ago=4),
        make_post(5, text="Клип", attachment_kinds=("movie",), network=OK, days_ago=5),
    ]
    tags, photos, video = (share_advice(posts, code) for code in ("hashtags", "photos", "video"))
    assert (tags.count, tags.total, tags.percent, tags.advised) == (2, 5, 40, True)
    assert [e.external_id for e in tags.examples_without] == ["-100_2", "-100_4", "5"]
    assert (photos.count, photos.percent, photos.without) == (2, 40, 3)
    assert (video.count, video.advised) == (2, False)
    assert [e.external_id for e in video.examples_with] == ["-100_1", "5"]


@pytest.mark.parametrize(("kinds", "advised"), [(("photo",), True), (("video",), False), (("clip",), False)])
def test_one_video_in_the_window_is_enough(kinds, advised):
    posts = [make_post(1, attachment_kinds=kinds), make_post(2, attachment_kinds=("photo",), days_ago=2)]
    assert share_advice(posts, "video").advised is advised


def test_every_post_tagged_means_no_hashtag_advice():
    advice = share_advice([make_post(1, text="#спорт"), make_post(2, text="#ПДД")], "hashtags")
    assert (advice.percent, advice.advised, advice.examples_without) == (100, False, ())


def test_photos_under_the_threshold_are_low_resolution():
    posts = [
        make_post(1, attachment_kinds=("photo",), largest_photo_px=LOW_RES_MAX_SIDE_PX - 1),
        make_post(2, attachment_kinds=("photo",), largest_photo_px=LOW_RES_MAX_SIDE_PX, days_ago=2),
        make_post(3, attachment_kinds=("photo",), largest_photo_px=604, days_ago=3),
        make_post(4, attachment_kinds=("photo",), largest_photo_px=2560, days_ago=4),
        make_post(5, attachment_kinds=("photo",), network=OK, days_ago=5),  # OK gives no sizes
        make_post(6, attachment_kinds=("video",), days_ago=6),
    ]
    advice = low_resolution_advice(posts)
    assert (advice.count, advice.photo_posts, advice.unknown_size, advice.advised) == (2, 4, 1, True)
    assert [(e.external_id, e.detail) for e in advice.examples] == [("-100_1", "799 px"), ("-100_3", "604 px")]


def test_engagement_per_post_and_per_hundred_views():
    posts = [
        make_post(1, likes=10, reposts=2, comments=3, views=300),
        make_post(2, likes=5, reposts=0, comments=0, views=200, days_ago=2),
        make_post(3, network=OK, likes=7, comments=1, days_ago=3),  # OK: no views, no reposts counter
        make_post(4, days_ago=4),  # no counters at all: not counted
    ]
    advice = engagement_advice(posts)
    assert (advice.posts, advice.reactions) == (3, 28)
    assert advice.per_post == pytest.approx(28 / 3)
    assert advice.per_100_views == pytest.approx(100 * 20 / 500)
    assert [(e.external_id, e.detail) for e in advice.best] == [("-100_1", "реакций: 15"), ("3", "реакций: 8"),
                                                                 ("-100_2", "реакций: 5")]


def test_engagement_without_views_has_no_rate():
    advice = engagement_advice([make_post(1, network=OK, likes=3)])
    assert (advice.per_post, advice.per_100_views) == (3, None)


# --- Directions of activity ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("Наши спортсмены выступили на районных соревнованиях.", "sport"),
        ("Повторили правила дорожного движения. #ПДД", "safety"),
        ("Учения по эвакуации прошли организованно.", "safety"),
        ("Ребята сдали нормы ГТО.", "sport"),
        ("Состоялось общешкольное родительское собрание.", "parents"),
        ("Ученики стали призёрами краевой олимпиады.", "achievements"),
        ("Команда одержала победу в конкурсе чтецов.", "achievements"),
        ("Юнармейцы возложили цветы к памятнику.", "upbringing"),
        ("Готовимся ко Дню Победы.", "upbringing"),
        ("Экскурсия в музей станицы.", "culture"),
        ("Отрывок из спектакля. #Театрумикрофона", "culture"),
        ("Девятиклассники побывали в аграрном колледже.", "career"),
        ("Меню горячего питания на неделю.", "health"),
        ("Открытый урок по математике.", "study"),
        ("Пятиклассники написали ВПР.", "study"),
        ("Инструктаж по ОБЖ.", "safety"),
    ],
)
def test_a_post_is_placed_in_its_direction_from_lemmas_and_hashtags(text, direction):
    assert direction in post_directions(make_post(text=text))


def test_the_victory_day_is_upbringing_not_an_achievement():
    found = post_directions(make_post(text="Готовимся ко Дню Победы."))
    assert "achievements" not in found


def test_a_post_about_nothing_in_particular_has_no_direction():
    assert post_directions(make_post(text="Хорошего всем дня!")) == {}


def test_every_direction_lemma_can_be_matched():
    # A word listed in a form the lemmatizer never produces would silently match nothing.
    for direction in DIRECTIONS.values():
        for word in direction.lemmas:
            if word[0].isupper():  # the capitalised sense, tested above
                continue
            assert word in post_lemmas(f"и {word}") | post_lemmas(f"и {word.upper()}"), (direction.code, word)


def test_directions_not_covered_in_the_window_are_listed_in_order():
    posts = [
        make_post(1, text="Соревнования по волейболу.", days_ago=1),
        make_post(2, text="Соревнования по футболу.", days_ago=2),
        make_post(3, text="Соревнования по шахматам.", days_ago=3),
        make_post(4, text="Соревнования по баскетболу.", days_ago=4),
        make_post(5, text="Беседа с инспектором #ПДД", days_ago=5),
    ]
    advice = coverage_advice(posts)
    assert [(d.code, d.posts) for d in advice.covered] == [("sport", 4), ("safety", 1)]
    assert [d.code for d in advice.uncovered] == [
        "study", "upbringing", "culture", "achievements", "parents", "career", "health"
    ]
    sport = advice.covered[0]
    assert [e.external_id for e in sport.examples] == ["-100_1", "-100_2", "-100_3"]
    assert sport.examples[0].detail == "волейбол, соревнование"
    assert advice.covered[1].examples[0].detail == "инспектор, #пдд"


# --- The report ------------------------------------------------------------------------------


def test_the_report_reads_only_own_community_posts_of_the_window():
    posts = [
        make_post(1, text="Концерт", days_ago=1),
        make_post(2, text="Старый концерт", days_ago=31),
        make_post(3, text="Чужой пост", from_community=False),
        make_post(4, text="", is_repost=True),
    ]
    report = quality_report(posts, now=NOW, checker=None, spelling_notice=NOTICE_NO_DICTIONARY)
    assert (report.posts, report.reposts_skipped, report.photos.total) == (1, 1, 1)
    assert report.since == NOW - timedelta(days=30)


@pytest.mark.parametrize(
    ("post", "url"),
    [
        (make_post(7), "https://vk.com/wall-100_7"),
        (make_post(8, network=OK), "https://ok.ru/group/555/topic/8"),
        (make_post(9, network=OK, author_id=""), ""),
    ],
)
def test_post_urls(post, url):
    assert post_url(post) == url


def _page(organization, network=VK, external_id="100"):
    link = f"club{external_id}" if network == VK else f"group/{external_id}"
    host = "vk.com" if network == VK else "ok.ru"
    return OfficialPage.objects.create(
        organization=organization, network=network, url=f"https://{host}/{link}",
        link_kind="club" if network == VK else "group", link_value=external_id,
        external_id=external_id, external_kind="group",
    )


def _row(page, n, **fields):
    defaults = {"external_id": f"-{page.external_id}_{n}" if page.network == VK else str(n),
                "date": NOW - timedelta(hours=n), "from_community": True, "text": f"Соревнования {n}"}
    return PagePost(page=page, **(defaults | fields))


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_selector_reads_every_post_in_one_query(django_assert_num_queries, count):
    organization = OrganizationFactory()
    vk, ok = _page(organization), _page(organization, OK, "555")
    PagePost.objects.bulk_create([_row(vk if n % 2 else ok, n) for n in range(1, count + 1)])
    quality.spelling_checker()  # the dictionary loads once per process, outside the count
    with django_assert_num_queries(1):
        report = organization_quality(organization, now=NOW)
    assert report.posts == count
    assert report.coverage.covered[0].code == "sport"


@pytest.mark.django_db
def test_the_kept_report_follows_a_post_edited_or_added_at_once(django_assert_num_queries):
    organization = OrganizationFactory()
    vk = _page(organization)
    PagePost.objects.bulk_create([_row(vk, n, text="Соревнования по футболу") for n in (1, 2)])
    first = organization_quality(organization, now=NOW)
    with django_assert_num_queries(1):  # the posts are still read: they are the key
        assert organization_quality(organization, now=NOW) == first

    PagePost.objects.filter(external_id=f"-{vk.external_id}_1").update(text="Концерт хора и выставка рисунков")
    PagePost.objects.bulk_create([_row(vk, 3, text="Концерт хора")])
    again = organization_quality(organization, now=NOW)

    assert again.posts == 3 and again.coverage != first.coverage


@pytest.mark.django_db
def test_the_selector_keeps_to_its_organization_window_and_community():
    organization, other = OrganizationFactory(), OrganizationFactory()
    ok = _page(organization, OK, "555")
    PagePost.objects.bulk_create([
        _row(ok, 1, author_id="group:555", attachment_kinds=["photo"]),
        _row(ok, 2, date=NOW - timedelta(days=40)),
        _row(ok, 3, from_community=False, author_id="user:1"),
        _row(_page(other, VK, "200"), 4),
    ])
    report = organization_quality(organization, now=NOW)
    assert report.posts == 1
    assert report.photos.examples_with[0].url == "https://ok.ru/group/555/topic/1"


@pytest.mark.django_db
def test_the_report_without_a_dictionary_carries_the_notice_and_the_rest():
    organization = OrganizationFactory()
    PagePost.objects.bulk_create([_row(_page(organization), 1, text="Прошла встерча #спорт")])
    report = organization_quality(organization, now=NOW, spelling_language=NO_SUCH_LANGUAGE)
    assert not report.spelling.available
    assert report.spelling.notice == str(NOTICE_NO_DICTIONARY)
    assert (report.hashtags.count, report.coverage.covered[0].code) == (1, "sport")
    html = render_to_string("reports/_quality.html", {"quality": report})
    assert "Словарь русского языка не установлен (пакет hunspell-ru)" in html
    assert "Не проверялась" in html


@pytest.mark.django_db
def test_the_partial_links_each_example_and_says_each_state_in_words(checker):
    organization = OrganizationFactory()
    page = _page(organization)
    PagePost.objects.bulk_create([
        _row(page, 1, text="Прошла встерча с родителями.", attachment_kinds=["photo"], largest_photo_px=640),
        _row(page, 2, text="Соревнования по футболу #спорт", likes=12, views=100),
    ])
    html = render_to_string("reports/_quality.html", {"quality": organization_quality(organization, now=NOW)})
    assert 'href="https://vk.com/wall-100_1"' in html
    assert "встерча" in html and "встреча" in html
    assert "640 px" in html
    assert "Есть совет" in html  # the state in words, not only the badge colour
    assert "откроется в новой вкладке" in html
    assert "Не было публикаций о направлениях:" in html


@pytest.mark.django_db
def test_the_partial_for_a_quiet_page_says_there_is_nothing_to_advise():
    report = organization_quality(OrganizationFactory(), now=NOW)
    html = render_to_string("reports/_quality.html", {"quality": report})
    assert "нет собственных публикаций" in html

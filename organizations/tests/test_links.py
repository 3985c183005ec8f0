"""Page links as people paste them: what is accepted, in what form it is stored, what is refused."""

from __future__ import annotations

import re

import pytest

from organizations.links import LinkError, PageLink, detect_network, parse_page_link

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)

ACCEPTED = [
    # network, typed, canonical url, kind, value
    # VK numeric forms
    ("vk", "https://vk.com/club123", "https://vk.com/club123", "club", "123"),
    ("vk", "https://vk.com/public217304555", "https://vk.com/public217304555", "public", "217304555"),
    ("vk", "https://vk.com/event9", "https://vk.com/event9", "event", "9"),
    ("vk", "https://vk.com/id77", "https://vk.com/id77", "id", "77"),
    # VK schemes and hosts
    ("vk", "http://vk.com/club123", "https://vk.com/club123", "club", "123"),
    ("vk", "vk.com/club123", "https://vk.com/club123", "club", "123"),
    ("vk", "www.vk.com/club123", "https://vk.com/club123", "club", "123"),
    ("vk", "https://m.vk.com/club123", "https://vk.com/club123", "club", "123"),
    ("vk", "https://vk.ru/club123", "https://vk.com/club123", "club", "123"),
    ("vk", "http://www.vk.ru/club123", "https://vk.com/club123", "club", "123"),
    ("vk", "m.vk.ru/club123", "https://vk.com/club123", "club", "123"),
    ("vk", "HTTPS://VK.COM/CLUB123", "https://vk.com/club123", "club", "123"),
    # VK trailing slashes, queries, fragments, surrounding white space
    ("vk", "https://vk.com/club123/", "https://vk.com/club123", "club", "123"),
    ("vk", "https://vk.com/club123//", "https://vk.com/club123", "club", "123"),
    ("vk", "https://vk.com/club123?w=wall-123_45", "https://vk.com/club123", "club", "123"),
    ("vk", "https://vk.com/club123#posts", "https://vk.com/club123", "club", "123"),
    ("vk", "https://vk.com/club123/?from=search#top", "https://vk.com/club123", "club", "123"),
    ("vk", "  https://vk.com/club123\n", "https://vk.com/club123", "club", "123"),
    # VK short names
    ("vk", "https://vk.com/school9", "https://vk.com/school9", "screen_name", "school9"),
    ("vk", "https://vk.com/Kush_SOSH9", "https://vk.com/kush_sosh9", "screen_name", "kush_sosh9"),
    ("vk", "vk.ru/ds10.kush", "https://vk.com/ds10.kush", "screen_name", "ds10.kush"),
    ("vk", "https://m.vk.com/sosh_4_shkurinskaya/", "https://vk.com/sosh_4_shkurinskaya", "screen_name",
     "sosh_4_shkurinskaya"),
    ("vk", "https://vk.com/dm", "https://vk.com/dm", "screen_name", "dm"),
    ("vk", "https://vk.com/" + "a" * 32, "https://vk.com/" + "a" * 32, "screen_name", "a" * 32),
    ("vk", "https://vk.com/9school", "https://vk.com/9school", "screen_name", "9school"),
    ("vk", "https://vk.com/clubfootball", "https://vk.com/clubfootball", "screen_name", "clubfootball"),
    ("vk", "https://vk.com/feedback_school", "https://vk.com/feedback_school", "screen_name", "feedback_school"),
    # OK numeric forms
    ("ok", "https://ok.ru/group/55", "https://ok.ru/group/55", "group", "55"),
    ("ok", "https://ok.ru/group55", "https://ok.ru/group/55", "group", "55"),
    ("ok", "https://ok.ru/group/70000001234567", "https://ok.ru/group/70000001234567", "group", "70000001234567"),
    ("ok", "https://ok.ru/profile/77", "https://ok.ru/profile/77", "profile", "77"),
    # OK schemes, hosts and tails
    ("ok", "ok.ru/group/55", "https://ok.ru/group/55", "group", "55"),
    ("ok", "http://www.ok.ru/group/55/", "https://ok.ru/group/55", "group", "55"),
    ("ok", "https://m.ok.ru/group55?utm_source=vk#feed", "https://ok.ru/group/55", "group", "55"),
    ("ok", "HTTPS://OK.RU/GROUP/55", "https://ok.ru/group/55", "group", "55"),
    ("ok", "www.ok.ru/profile/77/", "https://ok.ru/profile/77", "profile", "77"),
    # OK short names
    ("ok", "https://ok.ru/shortname", "https://ok.ru/shortname", "shortname", "shortname"),
    ("ok", "ok.ru/Kush.Shkola/", "https://ok.ru/kush.shkola", "shortname", "kush.shkola"),
    ("ok", "https://ok.ru/uo.kush", "https://ok.ru/uo.kush", "shortname", "uo.kush"),
    ("ok", "https://m.ok.ru/ds_22_kush", "https://ok.ru/ds_22_kush", "shortname", "ds_22_kush"),
]

REFUSED = [
    # network, typed
    ("vk", ""),
    ("vk", "   "),
    ("ok", ""),
    ("vk", "https://vk.com"),
    ("vk", "https://vk.com/"),
    ("vk", "vk.com/?w=club1"),
    ("ok", "https://ok.ru/"),
    # other hosts, schemes, shapes
    ("vk", "https://example.com/club1"),
    ("vk", "https://vkontakte.ru/club1"),
    ("vk", "https://vk.me/club1"),
    ("vk", "https://new.vk.com/club1"),
    ("vk", "https://vk.com.example.org/club1"),
    ("vk", "https://vk.com:443/club1"),
    ("vk", "https://user@vk.com/club1"),
    ("ok", "https://odnoklassniki.ru/group/55"),
    ("ok", "https://connect.ok.ru/group/55"),
    ("vk", "ftp://vk.com/club1"),
    ("vk", "//vk.com/club1"),
    ("vk", "http:/vk.com/club1"),
    ("vk", "https://vk.com/club 123"),
    ("vk", "клуб123"),
    # the other network
    ("vk", "https://ok.ru/group/55"),
    ("ok", "https://vk.com/club123"),
    # VK: not a page, or a page in a form not accepted
    ("vk", "https://vk.com/wall-1_2"),
    ("vk", "https://vk.com/wall123"),
    ("vk", "https://vk.com/photo-123_456"),
    ("vk", "https://vk.com/video-123_456"),
    ("vk", "https://vk.com/topic-123_4"),
    ("vk", "https://vk.com/feed"),
    ("vk", "https://vk.com/im"),
    ("vk", "https://vk.com/groups"),
    ("vk", "https://vk.com/search?c%5Bsection%5D=communities"),
    ("vk", "https://vk.com/away.php?to=https%3A%2F%2Fexample.com"),
    ("vk", "https://vk.com/club"),
    ("vk", "https://vk.com/id"),
    ("vk", "https://vk.com/club123/wall"),
    ("vk", "https://vk.com/school9/photos"),
    # VK: ids that aren't digits
    ("vk", "https://vk.com/club12a"),
    ("vk", "https://vk.com/id7x"),
    ("vk", "https://vk.com/public1-2"),
    ("vk", "https://vk.com/club0"),
    ("vk", "https://vk.com/club0123"),
    ("vk", "https://vk.com/club" + "1" * 21),
    # VK: short names VK would not give out
    ("vk", "https://vk.com/a"),
    ("vk", "https://vk.com/" + "a" * 33),
    ("vk", "https://vk.com/12345"),
    ("vk", "https://vk.com/school-9"),
    ("vk", "https://vk.com/школа9"),
    ("vk", "https://vk.com/%D1%88%D0%BA%D0%BE%D0%BB%D0%B09"),
    ("vk", "https://vk.com/school.9"),
    ("vk", "https://vk.com/.school9"),
    ("vk", "https://vk.com/school9."),
    # OK: not a page, or ids that aren't digits
    ("ok", "https://ok.ru/group/abc"),
    ("ok", "https://ok.ru/group/"),
    ("ok", "https://ok.ru/group"),
    ("ok", "https://ok.ru/group12x"),
    ("ok", "https://ok.ru/group/055"),
    ("ok", "https://ok.ru/profile/"),
    ("ok", "https://ok.ru/profile/abc"),
    ("ok", "https://ok.ru/profile123"),
    ("ok", "https://ok.ru/group/55/topic/12345"),
    ("ok", "https://ok.ru/group/55/album/1"),
    ("ok", "https://ok.ru/school9/topics"),
    ("ok", "https://ok.ru/dk?st.cmd=altGroupMain&st.groupId=55"),
    ("ok", "https://ok.ru/feed"),
    ("ok", "https://ok.ru/groups"),
    ("ok", "https://ok.ru/группа"),
    ("ok", "https://ok.ru/school-9"),
    ("ok", "https://ok.ru/12345"),
    ("ok", "https://ok.ru/kush.uo"),
]


@pytest.mark.parametrize(("network", "typed", "url", "kind", "value"), ACCEPTED)
def test_accepted_link_is_stored_in_canonical_form(network: str, typed: str, url: str, kind: str, value: str) -> None:
    assert parse_page_link(network, typed) == PageLink(network, url, kind, value)


@pytest.mark.parametrize(("network", "url"), sorted({(row[0], row[2]) for row in ACCEPTED}))
def test_canonical_url_parses_to_itself(network: str, url: str) -> None:
    assert parse_page_link(network, url).url == url


@pytest.mark.parametrize(("network", "typed"), REFUSED)
def test_refused_link_raises_link_error_with_a_russian_message(network: str, typed: str) -> None:
    with pytest.raises(LinkError) as caught:
        parse_page_link(network, typed)
    message = str(caught.value)
    assert message == str(caught.value.message)
    assert CYRILLIC.search(message), message


def test_one_page_typed_many_ways_gives_one_url() -> None:
    typed = [
        "https://vk.com/Kush_Sosh9",
        "http://m.vk.ru/kush_sosh9/",
        "www.vk.com/KUSH_SOSH9?from=groups",
        "vk.ru/kush_sosh9#wall",
    ]
    assert {parse_page_link("vk", link).url for link in typed} == {"https://vk.com/kush_sosh9"}


def test_both_ok_group_forms_give_one_url() -> None:
    assert parse_page_link("ok", "ok.ru/group55").url == parse_page_link("ok", "ok.ru/group/55").url


def test_link_to_the_other_network_says_which_network_it_is() -> None:
    with pytest.raises(LinkError, match="Одноклассники.*ВКонтакте"):
        parse_page_link("vk", "https://ok.ru/group/55")


def test_link_to_a_post_is_refused_as_not_a_community_page() -> None:
    with pytest.raises(LinkError, match="не на главную страницу сообщества"):
        parse_page_link("vk", "https://vk.com/wall-1_2")


def test_ok_group_id_with_letters_is_refused_with_an_example_of_the_right_form() -> None:
    with pytest.raises(LinkError, match=r"только из цифр.*https://ok\.ru/group/12345"):
        parse_page_link("ok", "https://ok.ru/group/abc")


def test_other_host_is_refused_with_the_hosts_that_are_accepted() -> None:
    with pytest.raises(LinkError, match=r"vk\.com или vk\.ru"):
        parse_page_link("vk", "https://example.com/club1")


def test_personal_profiles_are_accepted_but_marked_personal() -> None:
    assert parse_page_link("vk", "vk.com/id77").is_personal
    assert parse_page_link("ok", "ok.ru/profile/77").is_personal
    assert not parse_page_link("vk", "vk.com/club77").is_personal
    assert not parse_page_link("ok", "ok.ru/group/77").is_personal


def test_short_names_are_not_numeric_and_ids_are() -> None:
    assert parse_page_link("vk", "vk.com/club77").is_numeric
    assert not parse_page_link("vk", "vk.com/school9").is_numeric
    assert not parse_page_link("ok", "ok.ru/school9").is_numeric


def test_page_link_reads_as_its_url() -> None:
    assert str(parse_page_link("ok", "ok.ru/group55")) == "https://ok.ru/group/55"


def test_link_error_is_a_value_error_so_forms_and_the_import_can_catch_it_as_one() -> None:
    with pytest.raises(ValueError):
        parse_page_link("vk", "https://vk.com/feed")


def test_unknown_network_is_a_programming_error_not_a_user_error() -> None:
    with pytest.raises(ValueError) as caught:
        parse_page_link("telegram", "https://vk.com/club1")
    assert not isinstance(caught.value, LinkError)


@pytest.mark.parametrize(
    ("typed", "network"),
    [
        ("https://vk.com/club1", "vk"),
        ("vk.ru/school9", "vk"),
        ("M.VK.COM/id5", "vk"),
        ("https://ok.ru/group/55", "ok"),
        ("www.ok.ru/school9", "ok"),
        ("http://m.ok.ru/profile/7", "ok"),
    ],
)
def test_detect_network_tells_vk_from_ok_by_the_host(typed: str, network: str) -> None:
    assert detect_network(typed) == network


@pytest.mark.parametrize("typed", ["", "https://t.me/school9", "https://example.com/vk.com/club1", "vkontakte.ru/id1"])
def test_detect_network_refuses_links_to_other_sites_in_russian(typed: str) -> None:
    with pytest.raises(LinkError) as caught:
        detect_network(typed)
    assert CYRILLIC.search(str(caught.value))


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("https://max.ru/sosh9_gos", "https://max.ru/sosh9_gos"),
        ("http://www.max.ru/sosh9_gos/", "https://max.ru/sosh9_gos"),
        ("max.ru/Sosh-9_gos", "https://max.ru/Sosh-9_gos"),
        ("@sosh9_gos", "https://max.ru/sosh9_gos"),
        ("https://max.ru/sosh9_gos?from=share", "https://max.ru/sosh9_gos"),
    ],
)
def test_max_channel_links_are_stored_as_max_ru_and_the_name(typed: str, url: str) -> None:
    link = parse_page_link("max", typed)

    assert (link.url, link.kind, link.value) == (url, "name", url.rsplit("/", 1)[1])
    assert not link.is_numeric and not link.is_personal
    assert detect_network(typed) == "max"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("https://max.ru/join/AbCdEf123", "публичным"),
        ("max.ru/9school", "начинается с латинской буквы"),
        ("@школа9", "начинается с латинской буквы"),
        ("https://max.ru/sosh9/posts", "не на главную страницу"),
        ("https://vk.com/club1", "нужна ссылка на MAX"),
        ("https://t.me/sosh9", "max.ru"),
    ],
)
def test_max_links_outside_the_rules_are_refused_saying_why(typed: str, says: str) -> None:
    with pytest.raises(LinkError) as refused:
        parse_page_link("max", typed)

    assert says in refused.value.message

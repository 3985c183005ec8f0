"""What the demo sweep must find, organization by organization (DESIGN §6).

The briefing gives the district's picture in a few sentences: every VK community carries
the «Госорганизация» mark, 23 OK communities do, СОШ №26 has fewer than two posts,
СОШ №6 mostly reposts a staff member's personal page, д/с №10 has posts on its wall not
on behalf of the community, and sixteen named organizations post irregularly. The
simulator scenario is built from this table, so the demo shows exactly that picture and
a newcomer can check the dashboard against the briefing.

Keys are the `short_name` values of `demo/registry.csv`. Weekly counts are community
posts in the four complete window weeks before the sweep, oldest first (DESIGN §3.2);
whether a page is regular is derived from them with the default threshold, so the table
cannot contradict itself. The current, unjudged week is left to the scenario.

Choices not fixed by the briefing: which 23 OK communities carry the mark (the education
department, its centre, the cadet school, the children's art centre, the larger
schools and some kindergartens), how regular the OK pages are (the marked ones mostly
cross-post from VK, the unmarked ones are thin), and a few pages whose info lacks an
e-mail, phone or site. OK has no e-mail field, so an OK page whose description does not
mention one lacks it.
"""

from __future__ import annotations

from dataclasses import dataclass

# DESIGN §3.2 defaults: the window, the weekly minimum and the minimum posts on a page.
WEEKS = 4
POSTS_PER_WEEK_MIN = 3
POSTS_TOTAL_MIN = 2
INFO_FIELDS = ("name", "address", "email", "phone", "site", "description")

# As the briefing lists them («Организации, которые нерегулярно публикуют информацию»).
VK_IRREGULAR = frozenset(
    {
        "СОШ №4", "СОШ №6", "СОШ №10", "СОШ №14", "СОШ №23", "СОШ №26", "НОШ №27",
        "д/с №1", "д/с №3", "д/с №9", "д/с №10", "д/с №14", "д/с №18", "д/с №20", "д/с №22",
        "«Юниор»",
    }
)  # fmt: skip
ORGANIZATIONS_TOTAL = 52
OK_MARKED_TOTAL = 23

Weeks = tuple[int, int, int, int]


@dataclass(frozen=True)
class OrgFacts:
    """One organization's two pages as the demo sweep must see them."""

    ok_gov_mark: bool
    vk_posts_per_week: Weeks
    vk_posts_total: int
    ok_posts_per_week: Weeks
    ok_posts_total: int
    vk_gov_mark: bool = True
    vk_missing_info: tuple[str, ...] = ()
    ok_missing_info: tuple[str, ...] = ()
    # Window posts of the community that repost a person's page (copy_history owner > 0).
    vk_personal_reposts: int = 0
    # Window posts on the community's wall whose author is not the community.
    vk_posts_by_others: int = 0

    @property
    def vk_regular(self) -> bool:
        return all(posts >= POSTS_PER_WEEK_MIN for posts in self.vk_posts_per_week)

    @property
    def ok_regular(self) -> bool:
        return all(posts >= POSTS_PER_WEEK_MIN for posts in self.ok_posts_per_week)

    @property
    def few_posts(self) -> bool:
        return min(self.vk_posts_total, self.ok_posts_total) < POSTS_TOTAL_MIN

    @property
    def reposts_from_personal_page(self) -> bool:
        return self.vk_personal_reposts > 0

    @property
    def posts_by_others(self) -> bool:
        return self.vk_posts_by_others > 0


def _facts(
    ok_gov_mark: bool,
    vk: Weeks,
    vk_total: int,
    ok: Weeks,
    ok_total: int,
    *,
    vk_missing_info: tuple[str, ...] = (),
    ok_missing_info: tuple[str, ...] = (),
    vk_personal_reposts: int = 0,
    vk_posts_by_others: int = 0,
) -> OrgFacts:
    """Positional for the columns every row has, so the table below reads as a table."""
    return OrgFacts(
        ok_gov_mark=ok_gov_mark,
        vk_posts_per_week=vk,
        vk_posts_total=vk_total,
        ok_posts_per_week=ok,
        ok_posts_total=ok_total,
        vk_missing_info=vk_missing_info,
        ok_missing_info=ok_missing_info,
        vk_personal_reposts=vk_personal_reposts,
        vk_posts_by_others=vk_posts_by_others,
    )


MARKED, UNMARKED = True, False  # on OK

# fmt: off
DEMO_FACTS: dict[str, OrgFacts] = {
    #                  OK mark    VK weeks     VK total  OK weeks      OK total
    "СОШ №1":  _facts(MARKED,   (5, 4, 6, 5), 734, (4, 3, 5, 4), 402),
    "СОШ №2":  _facts(MARKED,   (4, 5, 4, 6), 655, (4, 4, 3, 5), 371),
    "СОШ №3":  _facts(MARKED,   (3, 4, 4, 3), 518, (3, 3, 4, 3), 296),
    "СОШ №4":  _facts(MARKED,   (2, 4, 1, 3), 287, (1, 2, 0, 2), 133),
    "СОШ №5":  _facts(MARKED,   (4, 3, 5, 4), 463, (3, 3, 4, 3), 241),
    "СОШ №6":  _facts(UNMARKED, (3, 2, 4, 1), 198, (0, 1, 0, 0), 27, vk_personal_reposts=7),
    "СОШ №7":  _facts(MARKED,   (4, 4, 3, 4), 421, (3, 4, 3, 3), 215),
    "СОШ №8":  _facts(MARKED,   (3, 5, 4, 4), 389, (3, 4, 3, 4), 198),
    "СОШ №9":  _facts(MARKED,   (6, 7, 5, 8), 1126, (5, 6, 5, 7), 640),
    "СОШ №10": _facts(UNMARKED, (1, 3, 2, 0), 164, (0, 1, 1, 0), 35),
    "СОШ №11": _facts(MARKED,   (4, 3, 3, 5), 402, (3, 3, 3, 4), 187),
    "СОШ №12": _facts(MARKED,   (3, 3, 4, 3), 356, (3, 3, 3, 3), 160),
    "СОШ №13": _facts(UNMARKED, (3, 4, 3, 3), 311, (3, 3, 3, 3), 118),
    "СОШ №14": _facts(UNMARKED, (2, 1, 3, 2), 142, (0, 0, 1, 0), 19, ok_missing_info=("email",)),
    "СОШ №15": _facts(MARKED,   (4, 4, 5, 3), 377, (3, 4, 4, 3), 174),
    "СОШ №16": _facts(MARKED,   (5, 3, 4, 4), 448, (4, 3, 3, 4), 230),
    "ООШ №19": _facts(UNMARKED, (3, 3, 3, 4), 204, (1, 2, 1, 1), 58,
                      vk_missing_info=("phone",), ok_missing_info=("phone",)),
    "СОШ №23": _facts(UNMARKED, (0, 2, 3, 1), 121, (0, 0, 0, 1), 12),
    "ООШ №24": _facts(UNMARKED, (3, 4, 3, 3), 187, (2, 1, 2, 1), 61),
    "СОШ №26": _facts(UNMARKED, (0, 0, 0, 0), 1, (0, 0, 0, 0), 0,
                      ok_missing_info=("email", "site", "description")),
    "НОШ №27": _facts(UNMARKED, (1, 0, 2, 1), 76, (0, 0, 0, 0), 6, ok_missing_info=("email",)),
    "д/с №1":  _facts(UNMARKED, (2, 3, 1, 2), 233, (1, 1, 0, 1), 48),
    "д/с №2":  _facts(MARKED,   (3, 4, 3, 3), 296, (3, 3, 3, 3), 151),
    "д/с №3":  _facts(UNMARKED, (1, 2, 0, 3), 118, (0, 1, 0, 0), 22),
    "д/с №4":  _facts(MARKED,   (3, 3, 4, 3), 274, (2, 3, 1, 2), 97),
    "д/с №5":  _facts(MARKED,   (4, 3, 3, 3), 262, (3, 3, 3, 3), 128),
    "д/с №6":  _facts(MARKED,   (3, 3, 3, 4), 240, (3, 3, 3, 3), 117),
    "д/с №7":  _facts(MARKED,   (3, 4, 4, 3), 251, (3, 3, 4, 3), 123),
    "д/с №8":  _facts(UNMARKED, (4, 3, 3, 3), 228, (1, 0, 2, 1), 44),
    "д/с №9":  _facts(UNMARKED, (2, 2, 3, 1), 137, (0, 1, 0, 1), 18),
    "д/с №10": _facts(UNMARKED, (2, 3, 1, 2), 156, (1, 0, 1, 0), 24, vk_posts_by_others=5),
    "д/с №11": _facts(MARKED,   (3, 3, 3, 3), 219, (3, 3, 3, 3), 104),
    "д/с №12": _facts(MARKED,   (3, 4, 3, 3), 207, (2, 2, 3, 1), 89),
    "д/с №13": _facts(UNMARKED, (3, 3, 4, 3), 193, (0, 1, 1, 0), 31,
                      vk_missing_info=("phone",), ok_missing_info=("email",)),
    "д/с №14": _facts(UNMARKED, (0, 2, 1, 2), 98, (0, 0, 1, 0), 15),
    "д/с №15": _facts(UNMARKED, (3, 3, 3, 3), 176, (1, 1, 0, 2), 40,
                      vk_missing_info=("email", "site"), ok_missing_info=("email", "site")),
    "д/с №16": _facts(UNMARKED, (4, 3, 3, 4), 244, (3, 3, 3, 3), 96),
    "д/с №17": _facts(UNMARKED, (3, 3, 3, 3), 168, (1, 0, 1, 1), 29),
    "д/с №18": _facts(UNMARKED, (1, 3, 2, 2), 112, (0, 0, 1, 1), 17,
                      vk_missing_info=("site",), ok_missing_info=("email", "site")),
    "д/с №19": _facts(UNMARKED, (3, 4, 3, 3), 181, (1, 2, 1, 0), 38),
    "д/с №20": _facts(UNMARKED, (2, 1, 2, 3), 104, (0, 1, 0, 0), 13),
    "д/с №21": _facts(UNMARKED, (3, 3, 3, 4), 172, (1, 1, 1, 1), 33, ok_missing_info=("email",)),
    "д/с №22": _facts(UNMARKED, (3, 1, 0, 2), 95, (0, 0, 0, 1), 9),
    "д/с №23": _facts(UNMARKED, (3, 3, 3, 3), 149, (0, 1, 0, 1), 21,
                      vk_missing_info=("phone", "site"), ok_missing_info=("email", "phone", "site")),
    "д/с №25": _facts(UNMARKED, (3, 3, 4, 3), 163, (1, 0, 1, 0), 26, ok_missing_info=("email",)),
    "«Юниор»": _facts(UNMARKED, (2, 3, 1, 1), 143, (1, 0, 0, 1), 30, ok_missing_info=("site",)),
    "ЦДТ":     _facts(MARKED,   (4, 5, 4, 3), 366, (3, 4, 3, 3), 182),
    "ДЮСШ":    _facts(UNMARKED, (3, 4, 5, 3), 298, (1, 2, 2, 1), 77),
    "«Степные зори»": _facts(UNMARKED, (3, 3, 3, 3), 215, (1, 0, 0, 1), 36,
                             vk_missing_info=("email", "site"), ok_missing_info=("email", "site", "description")),
    "КШИ":     _facts(MARKED,   (4, 4, 3, 5), 341, (3, 3, 3, 4), 169),
    "УО":      _facts(MARKED,   (8, 9, 7, 10), 1584, (6, 7, 6, 8), 910),
    "ЦРО":     _facts(MARKED,   (5, 6, 5, 7), 872, (4, 5, 4, 5), 455),
}
# fmt: on


@dataclass(frozen=True)
class MaxFacts:
    """One organization's MAX channel as the demo shows it (DESIGN §3.5, §6)."""

    name: str  # the public name: https://max.ru/<name>
    posts_per_week: Weeks
    posts_total: int
    link: str = ""  # the registry's max_url as staff typed it; default https://max.ru/<name>
    bot: bool = True  # the district bot added as an administrator
    public: bool = True
    missing_info: tuple[str, ...] = ()  # of INFO_FIELDS: left out of the channel's description

    @property
    def url(self) -> str:
        return self.link or f"https://max.ru/{self.name}"

    @property
    def regular(self) -> bool:
        return all(posts >= POSTS_PER_WEEK_MIN for posts in self.posts_per_week)


# Choices not fixed by the briefing (it predates MAX channels): which organizations opened a
# channel (35 of 52, about two thirds, as regions ordered in 2025–2026), which of them have
# not added the district bot (4), one channel made private after it was registered, and one
# organization that gave a private invitation link, refused at import (DESIGN §3.5).
MAX_NO_BOT, MAX_PRIVATE = 4, "ds18_gos"
MAX_REFUSED_LINKS = {"НОШ №27": "https://max.ru/join/Kq7vN2xLpT4sWb9"}

# fmt: off
MAX_FACTS: dict[str, MaxFacts] = {
    #                   name                 weeks         total
    "СОШ №1":  MaxFacts("sosh1_gos",        (4, 3, 5, 4), 96),
    "СОШ №2":  MaxFacts("sosh2_gos",        (3, 4, 3, 5), 88, link="max.ru/sosh2_gos"),
    "СОШ №3":  MaxFacts("sosh3_gos",        (3, 3, 4, 3), 71),
    "СОШ №4":  MaxFacts("sosh4_gos",        (1, 3, 0, 2), 34),
    "СОШ №5":  MaxFacts("sosh5_gos",        (3, 3, 4, 3), 67, link="@sosh5_gos"),
    "СОШ №7":  MaxFacts("sosh7_gos",        (3, 4, 3, 3), 62),
    "СОШ №8":  MaxFacts("sosh8_gos",        (3, 3, 3, 4), 58),
    "СОШ №9":  MaxFacts("sosh9_gos",        (5, 6, 4, 6), 143),
    "СОШ №11": MaxFacts("sosh11_gos",       (3, 3, 3, 4), 55, link="https://www.max.ru/sosh11_gos/"),
    "СОШ №12": MaxFacts("sosh12_gos",       (3, 3, 3, 3), 49, missing_info=("phone",)),
    "СОШ №13": MaxFacts("sosh13_gos",       (2, 3, 2, 3), 41, bot=False),
    "СОШ №15": MaxFacts("sosh15_gos",       (3, 4, 3, 3), 60),
    "СОШ №16": MaxFacts("sosh16_gos",       (4, 3, 3, 3), 64),
    "ООШ №19": MaxFacts("oosh19_gos",       (3, 3, 3, 3), 38, missing_info=("phone",)),
    "ООШ №24": MaxFacts("oosh24_gos",       (2, 2, 3, 1), 27, bot=False),
    "д/с №1":  MaxFacts("ds1_gos",          (2, 1, 3, 1), 29),
    "д/с №2":  MaxFacts("ds2_gos",          (3, 3, 3, 3), 47),
    "д/с №4":  MaxFacts("ds4_gos",          (3, 3, 4, 3), 44),
    "д/с №5":  MaxFacts("ds5_gos",          (3, 4, 3, 3), 46, link="http://max.ru/ds5_gos"),
    "д/с №6":  MaxFacts("ds6_gos",          (3, 3, 3, 3), 40),
    "д/с №7":  MaxFacts("ds7_gos",          (3, 3, 3, 4), 43),
    "д/с №8":  MaxFacts("ds8_gos",          (1, 2, 2, 1), 22, bot=False),
    "д/с №10": MaxFacts("ds10_gos",         (2, 0, 1, 3), 25),
    "д/с №11": MaxFacts("ds11_gos",         (3, 3, 3, 3), 39, missing_info=("email", "site")),
    "д/с №12": MaxFacts("ds12_gos",         (3, 4, 3, 3), 42),
    "д/с №15": MaxFacts("ds15_gos",         (3, 2, 3, 2), 31, missing_info=("email", "site")),
    "д/с №16": MaxFacts("ds16_gos",         (3, 3, 2, 3), 33, bot=False),
    "д/с №18": MaxFacts("ds18_gos",         (3, 3, 3, 3), 36, public=False),
    "«Юниор»": MaxFacts("junior_kush_gos",  (1, 2, 2, 0), 24),
    "ЦДТ":     MaxFacts("cdt_kush_gos",     (4, 3, 4, 3), 70),
    "ДЮСШ":    MaxFacts("dyussh_kush_gos",  (3, 4, 3, 3), 52, missing_info=("address", "phone")),
    "КШИ":     MaxFacts("kshi_kush_gos",    (3, 3, 4, 3), 57, missing_info=("site",)),
    "УО":      MaxFacts("uo_kush_gos",      (7, 8, 6, 9), 212),
    "ЦРО":     MaxFacts("cro_kush_gos",     (4, 5, 4, 4), 118),
}
# fmt: on


def _require(condition: bool, message: str) -> None:
    # Not `assert`: the check must hold under `python -O` too.
    if not condition:
        raise AssertionError(message)


def check_facts(facts: dict[str, OrgFacts] = DEMO_FACTS) -> None:
    """Fail loudly if the table drifts from the briefing's numbers."""
    _require(len(facts) == ORGANIZATIONS_TOTAL, f"{len(facts)} organizations, expected {ORGANIZATIONS_TOTAL}")
    _require(all(f.vk_gov_mark for f in facts.values()), "every VK community carries the mark")
    ok_marked = sum(f.ok_gov_mark for f in facts.values())
    _require(ok_marked == OK_MARKED_TOTAL, f"{ok_marked} OK communities marked, expected {OK_MARKED_TOTAL}")

    irregular = {name for name, f in facts.items() if not f.vk_regular}
    _require(irregular == VK_IRREGULAR, f"VK irregular differ from the briefing: {sorted(irregular ^ VK_IRREGULAR)}")
    regular = sum(f.vk_regular for f in facts.values())
    _require(regular == ORGANIZATIONS_TOTAL - len(VK_IRREGULAR), f"{regular} regular on VK, expected 36")

    def only(predicate_name: str) -> set[str]:
        return {name for name, f in facts.items() if getattr(f, predicate_name)}

    _require(only("few_posts") == {"СОШ №26"}, f"few posts: {sorted(only('few_posts'))}")
    _require(
        only("reposts_from_personal_page") == {"СОШ №6"},
        f"reposts from a personal page: {sorted(only('reposts_from_personal_page'))}",
    )
    _require(only("posts_by_others") == {"д/с №10"}, f"posts by others: {sorted(only('posts_by_others'))}")
    school6 = facts["СОШ №6"]
    _require(
        school6.vk_personal_reposts * 2 > sum(school6.vk_posts_per_week),
        "СОШ №6 must mostly repost the personal page",
    )

    check_max_facts(MAX_FACTS, facts)

    for name, f in facts.items():
        for network, weeks, total in (
            ("vk", f.vk_posts_per_week, f.vk_posts_total),
            ("ok", f.ok_posts_per_week, f.ok_posts_total),
        ):
            _require(len(weeks) == WEEKS and min(weeks) >= 0, f"{name} {network}: {WEEKS} weekly counts")
            _require(total >= sum(weeks), f"{name} {network}: fewer posts in total than in the window")
        for network, missing in (("vk", f.vk_missing_info), ("ok", f.ok_missing_info)):
            ordered = tuple(field for field in INFO_FIELDS if field in missing)
            _require(missing == ordered and len(set(missing)) == len(missing), f"{name} {network}: {missing}")
        _require(f.vk_personal_reposts <= sum(f.vk_posts_per_week), f"{name}: more reposts than posts")


def check_max_facts(channels: dict[str, MaxFacts], facts: dict[str, OrgFacts] = DEMO_FACTS) -> None:
    """About two thirds of the organizations with a MAX link (DESIGN §6), a few without the bot,
    one private channel, one refused invitation link; every channel consistent with itself."""
    _require(set(channels) <= set(facts) and set(MAX_REFUSED_LINKS) <= set(facts), "MAX: unknown organizations")
    _require(not set(channels) & set(MAX_REFUSED_LINKS), "MAX: an organization with two links")
    linked = len(channels) + len(MAX_REFUSED_LINKS)
    _require(abs(linked - 2 * len(facts) / 3) <= 1, f"MAX: {linked} organizations with a link, expected about two thirds")
    no_bot = sum(not c.bot for c in channels.values())
    _require(no_bot == MAX_NO_BOT, f"MAX: {no_bot} channels without the bot, expected {MAX_NO_BOT}")
    private = [c.name for c in channels.values() if not c.public]
    _require(private == [MAX_PRIVATE], f"MAX: private channels {private}, expected {MAX_PRIVATE}")
    _require(len(MAX_REFUSED_LINKS) == 1 and all("/join/" in link for link in MAX_REFUSED_LINKS.values()),
             "MAX: exactly one refused invitation link")
    names = [c.name.lower() for c in channels.values()]
    _require(len(set(names)) == len(names), "MAX: channel names must be distinct")
    for org, channel in channels.items():
        _require(len(channel.posts_per_week) == WEEKS and min(channel.posts_per_week) >= 0, f"{org} max: weeks")
        _require(channel.posts_total >= sum(channel.posts_per_week) + 2, f"{org} max: fewer posts than the window")
        ordered = tuple(field for field in INFO_FIELDS if field in channel.missing_info)
        _require(channel.missing_info == ordered, f"{org} max: {channel.missing_info}")

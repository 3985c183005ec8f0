"""Reading the page links people paste: VK and OK addresses to one canonical form.

A link is checked when it is typed (form, import), not when the sweep runs, so a
methodologist learns at once that `vk.com/wall-1_2` is a post and not a community.
The rules are DESIGN §3.2 "Links accepted"; everything outside them is refused with a
Russian message that says what to paste instead.

Whether the page exists, and whether it is a community or a person, is left to the
sweep: a syntactically valid link is accepted even if it points nowhere.

Choices made here, where VK and OK leave room:

* VK short names (`screen_name`) are matched case-insensitively by VK, so they are
  stored lower-cased; `vk.com/School9` and `vk.com/school9` are one page. VK's present
  rule for a new address is 5-32 characters, but older addresses as short as two
  letters still work (and belong to real official pages), so 2-32 characters of latin
  letters, digits, `_` and `.` are accepted, with at least one letter, and every dot
  followed by at least four characters starting with a letter (VK's own rule, which
  also keeps out `away.php`-like file names). VK's own sections (`feed`, `im`,
  `groups`, ...) and links to posts and media (`wall-1_2`, `photo-1_2`) are refused.
* A name that starts like a numeric form but isn't one (`club12a`, `id7x`) is refused
  as a mistyped id rather than taken for a short name.
* OK short names get the same treatment: 2-50 latin letters, digits, `_`, `.`, at
  least one letter, lower-cased; OK's sections (`dk`, `feed`, `groups`, ...) refused.
* Ids are digits without a leading zero, at most 20 of them (VK community ids have
  nine digits today, OK group ids fourteen).
* Only `/group/<id>`, `/group<id>` and `/profile/<id>` are numeric on OK;
  `ok.ru/profile123` is refused with the right form in the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext_lazy as _

Network = Literal["vk", "ok", "max"]
NETWORKS: tuple[Network, ...] = ("vk", "ok", "max")

VK_HOSTS = frozenset({"vk.com", "www.vk.com", "m.vk.com", "vk.ru", "www.vk.ru", "m.vk.ru"})
OK_HOSTS = frozenset({"ok.ru", "www.ok.ru", "m.ok.ru"})
MAX_HOSTS = frozenset({"max.ru", "www.max.ru"})

# Kinds are the English codes the export carries (DESIGN §5).
VK_KINDS = ("club", "public", "event", "id", "screen_name")
OK_KINDS = ("group", "profile", "shortname")
PERSONAL_KINDS = frozenset({"id", "profile"})

_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_ID_RE = re.compile(r"[1-9][0-9]{0,19}")
_VK_NUMERIC_RE = re.compile(r"(club|public|event|id)([0-9]+)")
_VK_BAD_NUMERIC_RE = re.compile(r"(club|public|event|id)[0-9].*")
# Links to a single post, photo, video... of a page: `wall-123_45`, `photo12_34`, `topic-1_2`.
_VK_OBJECT_RE = re.compile(
    r"(wall|photo|video|audio|album|topic|board|doc|note|market|product|clip|story|poll"
    r"|page|app|podcast|narrative|article|playlist)-?[0-9]"
)
_OK_GROUP_RE = re.compile(r"group([0-9]+)")
_OK_BAD_NUMERIC_RE = re.compile(r"(group|profile)[0-9].*")
_NAME_CHARS_RE = re.compile(r"[a-z0-9_.]+")

VK_SCREEN_NAME_LENGTH = (2, 32)
OK_SHORTNAME_LENGTH = (2, 50)

VK_RESERVED = frozenset(
    """
    about ads adsmarket album albums app apps article audio audios away blog board bookmarks
    bugs call calls club clips dev developers discover docs doc edit event fave feed friends
    games gifts groups help id im jobs join legal links login logout mail market messages
    mobile music narrative newsfeed note notes notifications page pages pay photo photos
    playlist podcasts poll privacy public restore search security services settings
    shopping stats stickers stories story support terms topic video videos vkpay wall write
    """.split()
)
OK_RESERVED = frozenset(
    """
    about app apps bookmarks discussions dk events feed friends game games gifts group groups
    guests help hobby holidays live mall market marks messages mobile music news
    notifications payment photos profile regulations search settings stats video vitrine
    """.split()
)

NETWORK_LABELS = {"vk": _("ВКонтакте"), "ok": _("Одноклассники"), "max": _("MAX")}
# A MAX channel's public name (DESIGN §3.5): a latin letter, then latin letters, digits, «_», «-».
_MAX_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class LinkError(ValueError):
    """A link that is not an accepted page address. `message` is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PageLink:
    """A page address in canonical form, ready to store and to compare.

    `value` is what the API needs to find the page: the digits of a numeric link, or the
    lower-cased short name (to be resolved by the sweep).
    """

    network: Network
    url: str
    kind: str
    value: str

    def __str__(self) -> str:
        return self.url

    @property
    def is_personal(self) -> bool:
        """A person's profile: accepted, but the sweep will judge it not a community."""
        return self.kind in PERSONAL_KINDS

    @property
    def is_numeric(self) -> bool:
        return self.kind not in ("screen_name", "shortname", "name")


def detect_network(raw: str) -> Network:
    """Which network a pasted link belongs to, judged by its host alone.

    For inputs where either network may come (one "link" column, a chat message);
    the path is checked afterwards by `parse_page_link`.
    """
    if (raw or "").strip().startswith("@"):
        return "max"
    host, _path = _split(raw)
    network = _network_of_host(host)
    if network is None:
        raise LinkError(_("Ссылка должна вести на ВКонтакте (vk.com, vk.ru), Одноклассники (ok.ru) или MAX (max.ru)."))
    return network


def parse_page_link(network: str, raw: str) -> PageLink:
    """Check a link typed for `network` and return its canonical form, or raise LinkError."""
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}; expected one of {NETWORKS}")
    if network == "max" and (raw or "").strip().startswith("@"):
        return _max_link((raw or "").strip()[1:])
    host, path = _split(raw)
    actual = _network_of_host(host)
    if actual is None:
        if network == "vk":
            raise LinkError(_("Ссылка на страницу ВКонтакте должна вести на vk.com или vk.ru."))
        if network == "max":
            raise LinkError(_("Ссылка на канал в MAX должна вести на max.ru, например https://max.ru/school9_gos."))
        raise LinkError(_("Ссылка на страницу в Одноклассниках должна вести на ok.ru."))
    if actual != network:
        raise LinkError(
            _("Это ссылка на %(actual)s, а здесь нужна ссылка на %(expected)s.")
            % {"actual": NETWORK_LABELS[actual], "expected": NETWORK_LABELS[network]}
        )
    segments = [segment.lower() for segment in path.split("/")] if path else []
    if not segments:
        raise LinkError(
            _(
                "В ссылке нет адреса страницы: откройте главную страницу сообщества "
                "и скопируйте адрес из адресной строки."
            )
        )
    if network == "vk":
        return _parse_vk(segments)
    if network == "max":
        return _parse_max(path.split("/"))
    return _parse_ok(segments)


def _split(raw: str) -> tuple[str, str]:
    """Host (lower-cased) and path without slashes at its ends; query and fragment dropped."""
    text = (raw or "").strip()
    if not text:
        raise LinkError(_("Укажите ссылку на страницу."))
    if any(char.isspace() for char in text):
        raise LinkError(_("В ссылке не должно быть пробелов."))
    scheme = _SCHEME_RE.match(text)
    # "vk.com:443/club1" would look like a scheme "vk.com"; a real scheme is followed by //.
    if scheme and text[scheme.end() :].startswith("//"):
        if scheme.group(1).lower() not in ("http", "https"):
            raise LinkError(_("Ссылка должна начинаться с https://, http:// или сразу с адреса сайта."))
        text = text[scheme.end() + 2 :]
    elif text.startswith("/"):
        raise LinkError(_("Ссылка должна начинаться с https://, http:// или сразу с адреса сайта."))
    text = re.split(r"[?#]", text, maxsplit=1)[0]
    host, _slash, path = text.partition("/")
    return host.lower(), path.strip("/")


def _network_of_host(host: str) -> Network | None:
    if host in VK_HOSTS:
        return "vk"
    if host in OK_HOSTS:
        return "ok"
    if host in MAX_HOSTS:
        return "max"
    return None


def _not_a_page() -> LinkError:
    return LinkError(
        _(
            "Это ссылка не на главную страницу сообщества, а на раздел сайта, запись или файл: "
            "откройте сообщество и скопируйте адрес из адресной строки."
        )
    )


def _bad_id(network: Network) -> LinkError:
    if network == "vk":
        return LinkError(
            _(
                "Номер в ссылке должен состоять только из цифр и не начинаться с нуля, "
                "например https://vk.com/club12345."
            )
        )
    return LinkError(
        _(
            "Номер в ссылке должен состоять только из цифр и не начинаться с нуля, например "
            "https://ok.ru/group/12345 или https://ok.ru/profile/12345."
        )
    )


def _checked_id(digits: str, network: Network) -> str:
    if not _ID_RE.fullmatch(digits):
        raise _bad_id(network)
    return digits


def _is_valid_name(name: str, length: tuple[int, int]) -> bool:
    low, high = length
    if not (low <= len(name) <= high and _NAME_CHARS_RE.fullmatch(name)):
        return False
    if not any(char.isalpha() for char in name):
        return False
    head, *after_dots = name.split(".")
    return bool(head) and all(len(part) >= 4 and part[0].isalpha() for part in after_dots)


def _parse_vk(segments: list[str]) -> PageLink:
    if len(segments) != 1:
        raise _not_a_page()
    (segment,) = segments
    numeric = _VK_NUMERIC_RE.fullmatch(segment)
    if numeric:
        kind, digits = numeric.groups()
        value = _checked_id(digits, "vk")
        return PageLink("vk", f"https://vk.com/{kind}{value}", kind, value)
    if _VK_BAD_NUMERIC_RE.fullmatch(segment):
        raise _bad_id("vk")
    if _VK_OBJECT_RE.match(segment) or segment.split(".")[0] in VK_RESERVED:
        raise _not_a_page()
    if not _is_valid_name(segment, VK_SCREEN_NAME_LENGTH):
        raise LinkError(
            _(
                "Короткий адрес страницы ВКонтакте состоит из 2–32 латинских букв, цифр, знаков «_» и «.», "
                "например https://vk.com/school9."
            )
        )
    return PageLink("vk", f"https://vk.com/{segment}", "screen_name", segment)


def _parse_ok(segments: list[str]) -> PageLink:
    head, rest = segments[0], segments[1:]
    if head in ("group", "profile"):
        if len(rest) != 1:
            raise _bad_id("ok") if not rest else _not_a_page()
        value = _checked_id(rest[0], "ok")
        return PageLink("ok", f"https://ok.ru/{head}/{value}", head, value)
    if rest:
        raise _not_a_page()
    grouped = _OK_GROUP_RE.fullmatch(head)
    if grouped:
        value = _checked_id(grouped.group(1), "ok")
        return PageLink("ok", f"https://ok.ru/group/{value}", "group", value)
    if _OK_BAD_NUMERIC_RE.fullmatch(head):
        raise _bad_id("ok")
    if head.split(".")[0] in OK_RESERVED:
        raise _not_a_page()
    if not _is_valid_name(head, OK_SHORTNAME_LENGTH):
        raise LinkError(
            _(
                "Короткий адрес группы в Одноклассниках состоит из латинских букв, цифр, знаков «_» и «.», "
                "например https://ok.ru/school9."
            )
        )
    return PageLink("ok", f"https://ok.ru/{head}", "shortname", head)


def _parse_max(segments: list[str]) -> PageLink:
    """`max.ru/<name>`, the name kept as typed; an invitation link is refused: the official
    channel must be public to be read (and to be found by parents)."""
    if segments[0].lower() == "join":
        raise LinkError(
            _(
                "Это ссылка-приглашение в закрытый канал. Официальный канал должен быть публичным: "
                "в настройках канала сделайте его публичным и укажите его адрес, например https://max.ru/school9_gos."
            )
        )
    if len(segments) != 1:
        raise _not_a_page()
    return _max_link(segments[0])


def _max_link(name: str) -> PageLink:
    if not _MAX_NAME_RE.fullmatch(name):
        raise LinkError(
            _(
                "Адрес канала в MAX начинается с латинской буквы и состоит из латинских букв, цифр, "
                "знаков «_» и «-», например https://max.ru/school9_gos или @school9_gos."
            )
        )
    return PageLink("max", f"https://max.ru/{name}", "name", name)

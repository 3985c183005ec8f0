"""Typed readers for the settings that come from the environment (.env.example lists them).

A bad value does not stop the reading: the reader notes one line of Russian naming the
variable, the value and what is expected, and returns the default, so that settings.py can
end with ``raise_bad_settings()`` and report every bad setting at once. The values of secrets
(tokens, keys) are never shown, nor the password inside a URL. manage.py, wsgi.py, the Celery
app and gunicorn.conf.py call ``exit_on_bad_settings()`` first: each message on its own line on
stderr and exit status 2, no traceback, before anything starts working with a wrong value.

The messages do not go through gettext: translations need the very settings being read.
A blank value counts as unset: .env.example lists variables with empty values.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Collection
from email.utils import parseaddr
from importlib.util import find_spec
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# The form both the API limiter (`limits`) and DRF's throttle read, one rate only.
_RATE = re.compile(r"(\d+)\s*/\s*(second|minute|hour|day)s?")
_problems: list[str] = []


class SettingsError(ImproperlyConfigured):
    """Every bad setting found while reading the settings, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def problem(name: str, text: str) -> None:
    """Note a bad setting found by a check of several variables together (settings.py)."""
    _problems.append(f"{name}: {text}")


def raise_bad_settings() -> None:
    """The end of settings.py: raise one SettingsError with every problem noted while reading."""
    problems = list(_problems)
    _problems.clear()  # a later import of the settings (after a fix) starts afresh
    if problems:
        raise SettingsError(problems)


def exit_on_bad_settings() -> None:
    """Load the settings now; if any is bad, print each message on its own line and exit 2."""
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 (the access imports the settings module)
    except SettingsError as error:
        print("\n".join(error.problems), file=sys.stderr)
        raise SystemExit(2) from None


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _shown(raw: str) -> str:
    """The value as a message may show it: one line, short, no password of a URL."""
    text = re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", raw)
    text = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    return text if len(text) <= 80 else text[:79] + "…"


def _read(name: str, default: T, parse: Callable[[str], T | None], expected: str, *, secret: bool = False) -> T:
    """`parse` of the variable's value; the default when it is unset, or when `parse` refuses
    the value (None or ValueError), and then the problem is noted."""
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = parse(raw)
    except ValueError:
        value = None
    if value is None:
        shown = " (значение не показывается)" if secret else f", получено «{_shown(raw)}»"
        problem(name, f"ожидается {expected}{shown}")
        return default
    return value


def _bounds(kind: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{kind} от {minimum} до {maximum}"
    if minimum is not None:
        return f"{kind} не меньше {minimum}"
    return kind


def _within(value: T, minimum, maximum) -> T | None:
    too_small = minimum is not None and value < minimum
    return None if too_small or (maximum is not None and value > maximum) else value


def env_str(name: str, default: str = "") -> str:
    """Free text (a host name, a password): anything goes."""
    return _raw(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    def parse(raw: str) -> bool | None:
        value = raw.lower()
        return True if value in _TRUE else False if value in _FALSE else None

    return _read(name, default, parse, "1 или 0 (также true/false, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    expected = _bounds("целое число", minimum, maximum)
    return _read(name, default, lambda raw: _within(int(raw), minimum, maximum), expected)


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    def parse(raw: str) -> float | None:
        value = float(raw)
        return _within(value, minimum, maximum) if math.isfinite(value) else None

    return _read(name, default, parse, _bounds("число (с точкой)", minimum, maximum))


def env_choice(name: str, default: str, choices: Collection[str]) -> str:
    return _read(name, default, lambda raw: raw if raw in choices else None, "одно из: " + ", ".join(choices))


def env_rate(name: str, default: str) -> str:
    """A rate such as "3/second": N ≥ 1 requests per second, minute, hour or day."""
    def parse(raw: str) -> str | None:
        match = _RATE.fullmatch(raw)
        return raw if match and int(match[1]) >= 1 else None

    return _read(name, default, parse, "«N/second» (или N/minute, N/hour, N/day) с целым N ≥ 1")


def env_version(name: str, default: str) -> str:
    """An API version such as "5.199"."""
    return _read(name, default, lambda raw: raw if re.fullmatch(r"\d+\.\d+", raw) else None, "номер версии вида 5.199")


def _is_url(raw: str, schemes: Collection[str] | None) -> bool:
    parts = urlsplit(raw)
    parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    if "://" not in raw or not parts.scheme or (schemes is not None and parts.scheme not in schemes):
        return False
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname)
    return bool(parts.netloc or parts.path.strip("/"))


def env_url(name: str, default: str = "", *, example: str, schemes: Collection[str] | None = None) -> str:
    """A URL with a scheme (one of `schemes` when given); `example` shows the expected form."""
    expected = f"адрес вида {example}"
    if schemes is not None:
        expected += " (схема " + ", ".join(f"{scheme}://" for scheme in schemes) + ")"
    return _read(name, default, lambda raw: raw if _is_url(raw, schemes) else None, expected)


def env_list(
    name: str, default: str = "", *, each: Callable[[str], bool] | None = None, expected: str = "",
    secret: bool = False,
) -> list[str]:
    """Comma-separated values; with `each`, every one of them must satisfy it (`expected` says how)."""
    def parse(raw: str) -> list[str] | None:
        items = [item.strip() for item in raw.split(",") if item.strip()]
        return items if each is None or all(each(item) for item in items) else None

    return _read(name, [item.strip() for item in default.split(",") if item.strip()], parse, expected, secret=secret)


def env_urls(name: str, *, example: str, schemes: Collection[str]) -> list[str]:
    return env_list(name, each=lambda item: _is_url(item, schemes),
                    expected=f"список адресов через запятую вида {example}")


def _token_shaped(raw: str) -> bool:
    """A token or key as the APIs issue them: printable ASCII without spaces, quotes or commas
    (a quoted value from an env file, or two tokens pasted as one, would only fail at the API)."""
    return raw.isascii() and raw.isprintable() and not any(char in raw for char in " \"',")


def env_secret(name: str) -> str:
    """A token or key: checked for its shape only, never shown."""
    return _read(name, "", lambda raw: raw if _token_shaped(raw) else None,
                 "ключ из латинских букв, цифр и знаков, без пробелов, кавычек и запятых", secret=True)


def env_secrets(name: str) -> list[str]:
    """Several tokens, comma-separated: each checked for its shape only, never shown."""
    expected = "список токенов через запятую из латинских букв, цифр и знаков, без пробелов и кавычек"
    return env_list(name, each=_token_shaped, expected=expected, secret=True)


def env_path(name: str, default: Path) -> Path:
    """An absolute path: a relative one would name a different folder for the web server and
    the Celery worker, whichever folder each was started in."""
    return _read(name, default, lambda raw: Path(raw) if Path(raw).is_absolute() else None,
                 "абсолютный путь (начинается с /)")


def env_import_path(name: str, default: str) -> str:
    """The dotted path of a class in an installed module (checked now: a typo would otherwise
    only fail when the class is first used, e.g. at the end of a night's sweep)."""
    def parse(raw: str) -> str | None:
        module, _dot, attribute = raw.rpartition(".")
        try:
            found = bool(module and attribute.isidentifier() and find_spec(module))
        except ImportError:
            found = False
        return raw if found else None

    return _read(name, default, parse, "путь к классу установленного модуля (пакет.модуль.Класс)")


def env_email(name: str, default: str) -> str:
    return _read(name, default, lambda raw: raw if "@" in parseaddr(raw)[1] else None,
                 "адрес e-mail (govpublic@example.org или «Имя <govpublic@example.org>»)")

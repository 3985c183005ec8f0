"""`write_atomically`: an export is written whole or not at all, and a bad path is one Russian
line, whichever command writes it (export_compliance, district_report, qr_posters)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError

from organizations.files import write_atomically


def test_a_file_is_written_whole(tmp_path):
    target = tmp_path / "export.csv"

    write_atomically(target, b"short_name\r\n")

    assert target.read_bytes() == b"short_name\r\n"
    assert [path.name for path in tmp_path.iterdir()] == ["export.csv"]


def test_the_file_gets_the_mode_any_new_file_gets_not_a_private_one(tmp_path):
    (tmp_path / "plain.csv").write_bytes(b"")

    write_atomically(tmp_path / "export.csv", b"data")

    assert (tmp_path / "export.csv").stat().st_mode == (tmp_path / "plain.csv").stat().st_mode


def test_a_render_that_fails_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "export.csv"
    target.write_bytes(b"the good export")

    def render() -> bytes:
        raise RuntimeError("the renderer broke half-way")

    with pytest.raises(RuntimeError):
        write_atomically(target, render)

    assert target.read_bytes() == b"the good export"
    assert [path.name for path in tmp_path.iterdir()] == ["export.csv"]


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda tmp: tmp / "missing" / "export.csv", "Нет папки для файла"),
        (lambda tmp: tmp, "это папка"),
        (lambda tmp: tmp / "plain-file" / "export.csv", "Нет папки для файла"),
        # A folder nobody may create files in (even root may not in /proc).
        (lambda tmp: tmp.__class__("/proc/export.csv"), "Не удалось записать"),
    ],
    ids=["missing folder", "a directory", "a file as folder", "unwritable folder"],
)
def test_a_bad_path_is_one_russian_line(tmp_path, make_path, message):
    (tmp_path / "plain-file").write_bytes(b"")

    with pytest.raises(CommandError) as failed:
        write_atomically(make_path(tmp_path), b"data")

    assert message in str(failed.value)
    assert "\n" not in str(failed.value)

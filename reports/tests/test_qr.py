"""QR codes and posters: every code scans back to its page, the printed poster too, and only
those who may see an organization get its codes."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import zxingcpp
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.urls import reverse
from PIL import Image

from conftest import service_unavailable
from organizations import services
from organizations.links import parse_page_link
from organizations.models import OfficialPage
from reports import qr
from tests.factories import DistrictFactory, OrganizationFactory, methodologist

VK_A = "https://vk.com/club199689234"
OK_A = "https://ok.ru/group/53202816140587"
VK_B = "https://vk.com/ds10.kushevskaya"


# --- helpers -------------------------------------------------------------------------------


def register(organization, network: str, link: str) -> OfficialPage:
    """Register a page the way staff do, through the link parser and the service."""
    return services.page_set(organization=organization, network=network, link=parse_page_link(network, link))


def decoded(image: Image.Image) -> list[str]:
    """The texts of every QR code a phone-grade decoder finds in the image, left to right."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in sorted(found, key=lambda barcode: barcode.position.top_left.x)]


def decoded_png(data: bytes) -> list[str]:
    return decoded(Image.open(io.BytesIO(data)))


def poppler(tool: str) -> str:
    """Path of a poppler-utils binary, or skip (fail under GOVPUBLIC_REQUIRE_SERVICES=1)."""
    executable = shutil.which(tool)
    if executable is None:
        service_unavailable(f"{tool} from poppler-utils is not installed (apt-get install poppler-utils)")
    return executable


def pdf_text(data: bytes) -> str:
    result = subprocess.run([poppler("pdftotext"), "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def pdf_info(data: bytes) -> str:
    return subprocess.run([poppler("pdfinfo"), "-"], input=data, capture_output=True, check=True).stdout.decode()


def pdf_page_image(data: bytes, tmp_path: Path, dpi: int = 100) -> Image.Image:
    """The first page as a printer would put it on paper, at an ordinary 100 dpi."""
    source = tmp_path / "page.pdf"
    source.write_bytes(data)
    subprocess.run(
        [poppler("pdftoppm"), "-png", "-r", str(dpi), "-singlefile", str(source), str(tmp_path / "page")], check=True
    )
    return Image.open(tmp_path / "page.png")


def svg_raster(svg: bytes, tmp_path: Path) -> Image.Image:
    """The SVG drawn by an SVG renderer (WeasyPrint's) and rasterised, so the test decodes the
    SVG file itself rather than a code regenerated from the same link."""
    from weasyprint import HTML

    html = (
        '<style>@page { size: 100mm; margin: 0 } img { width: 100mm; height: 100mm; display: block }</style>'
        f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}">'
    )
    return pdf_page_image(HTML(string=html).write_pdf(), tmp_path, dpi=150)


@pytest.fixture
def pages(actors):
    """Organization A has both pages; organization B has only VK (OK not registered yet)."""
    return {
        "a_vk": register(actors.org_a, "vk", VK_A),
        "a_ok": register(actors.org_a, "ok", OK_A),
        "b_vk": register(actors.org_b, "vk", VK_B),
    }


def code_url(organization, network: str, fmt: str) -> str:
    return reverse(f"qr-{fmt}", args=[organization.pk, network])


def poster_url(organization) -> str:
    return reverse("qr-poster", args=[organization.pk])


# Literal on purpose: the lead and the README point methodologists at this address.
ZIP_URL = "/qr/posters.zip"


# --- the codes themselves ------------------------------------------------------------------


@pytest.mark.parametrize("link", [VK_A, OK_A, "https://vk.com/sosh2.kushevskaya", "https://ok.ru/group/70000001823073"])
def test_each_png_code_decodes_back_to_its_link(link):
    assert decoded_png(qr.qr_png(link)) == [link]


@pytest.mark.parametrize("link", [VK_A, OK_A])
def test_each_svg_code_rasterised_decodes_back_to_its_link(link, tmp_path):
    svg = qr.qr_svg(link)

    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert decoded(svg_raster(svg, tmp_path)) == [link]


def test_different_links_give_different_codes():
    assert qr.qr_png(VK_A) != qr.qr_png(VK_B)
    assert qr.qr_svg(VK_A) != qr.qr_svg(VK_B)


def test_file_names_keep_cyrillic_drop_unsafe_characters_and_never_collide(db):
    district = DistrictFactory()
    school, kindergarten, lookalike, symbols = (
        OrganizationFactory(district=district, short_name="СОШ №9"),
        OrganizationFactory(district=district, short_name="д/с №10"),
        OrganizationFactory(district=district, short_name="СОШ 9"),
        OrganizationFactory(district=district, short_name="../№"),
    )

    stems = qr.file_stems([school, kindergarten, lookalike, symbols])

    assert stems[school.pk] == "СОШ_9"
    assert stems[kindergarten.pk] == "д_с_10"
    assert stems[lookalike.pk] == f"СОШ_9_{lookalike.pk}"
    assert stems[symbols.pk] == f"org_{symbols.pk}"


# --- the poster ----------------------------------------------------------------------------


def test_the_poster_names_the_organization_in_cyrillic_and_captions_both_networks(actors, pages):
    text = pdf_text(qr.poster_pdf(actors.org_a, actors.org_a.pages.all()))

    flat = " ".join(text.split())  # the long name wraps over several lines
    assert actors.org_a.name in flat
    assert "Подпишитесь на наши официальные сообщества!" in flat
    assert "Мы ВКонтакте" in flat
    assert "Мы в Одноклассниках" in flat
    assert "vk.com/club199689234" in flat
    assert "ok.ru/group/53202816140587" in flat
    assert "Наведите камеру телефона на код" in flat


def test_the_poster_is_a_single_a4_page(actors, pages):
    info = pdf_info(qr.poster_pdf(actors.org_a, actors.org_a.pages.all()))

    assert "Pages:           1" in info
    assert "(A4)" in info


def test_the_poster_fills_the_page_short_name_large_full_name_small_networks_under_codes(actors, pages, tmp_path):
    poster = qr.poster_pdf(actors.org_a, actors.org_a.pages.all())
    words = _words(poster)
    short = words["СОШ"]
    full = words[actors.org_a.name.split()[0]]
    # In points of an A4 page (842 high): the short name is read from across a corridor.
    assert short["height"] >= 40 and full["height"] <= 14
    assert words["ВКонтакте"]["top"] > max(barcode_bottom for barcode_bottom in _code_bottoms(poster, tmp_path))
    assert words["экране"]["bottom"] > 0.88 * 842  # the last line of the sheet sits near the page's foot
    assert short["top"] < 0.2 * 842


def _words(pdf: bytes) -> dict[str, dict[str, float]]:
    """The first occurrence of each word on the page with its box, in points from the top."""
    result = subprocess.run([poppler("pdftotext"), "-bbox", "-", "-"], input=pdf, capture_output=True, check=True)
    words: dict[str, dict[str, float]] = {}
    for match in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', result.stdout.decode()):
        top, bottom, word = float(match[1]), float(match[2]), match[3]
        words.setdefault(word, {"top": top, "bottom": bottom, "height": bottom - top})
    return words


def _code_bottoms(pdf: bytes, tmp_path: Path) -> list[float]:
    """Where each printed code ends, in points from the top (the image is at 100 dpi)."""
    found = zxingcpp.read_barcodes(pdf_page_image(pdf, tmp_path), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 2
    return [max(barcode.position.bottom_left.y, barcode.position.bottom_right.y) * 72 / 100 for barcode in found]


def test_both_codes_printed_on_the_poster_scan_back_to_the_pages(actors, pages, tmp_path):
    page_image = pdf_page_image(qr.poster_pdf(actors.org_a, actors.org_a.pages.all()), tmp_path)

    # VK on the left, OK on the right, as the captions say.
    assert decoded(page_image) == [VK_A, OK_A]


def test_the_poster_says_a_page_is_not_registered_and_prints_only_the_registered_code(actors, pages, tmp_path):
    poster = qr.poster_pdf(actors.org_b, actors.org_b.pages.all())

    flat = " ".join(pdf_text(poster).split())
    assert "Мы в Одноклассниках" in flat
    assert "Страница не зарегистрирована" in flat
    assert decoded(pdf_page_image(poster, tmp_path)) == [VK_B]


# --- downloads and who may have them -------------------------------------------------------


def test_the_zip_url_is_the_documented_one():
    assert reverse("qr-posters-zip") == ZIP_URL


@pytest.mark.parametrize(("network", "link"), [("vk", VK_A), ("ok", OK_A)])
def test_staff_download_their_own_codes_as_png_and_svg(actors, pages, network, link):
    client = actors.client_for(actors.staff_a)

    png = client.get(code_url(actors.org_a, network, "png"))
    svg = client.get(code_url(actors.org_a, network, "svg"))

    assert png.status_code == svg.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert svg["Content-Type"] == "image/svg+xml"
    assert png["Content-Disposition"] == f"attachment; filename*=utf-8''%D0%A1%D0%9E%D0%A8_9_{network}.png"
    assert svg["Content-Disposition"] == f"attachment; filename*=utf-8''%D0%A1%D0%9E%D0%A8_9_{network}.svg"
    assert decoded_png(png.content) == [link]
    assert svg.content == qr.qr_svg(link)


def test_staff_get_their_own_poster_as_a_pdf_that_opens_in_the_browser(actors, pages):
    response = actors.client_for(actors.staff_a).get(poster_url(actors.org_a))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # inline: the browser's PDF viewer opens it for printing; «СОШ_9.pdf» when saved.
    assert response["Content-Disposition"] == "inline; filename*=utf-8''%D0%A1%D0%9E%D0%A8_9.pdf"
    assert actors.org_a.name in " ".join(pdf_text(response.content).split())


@pytest.mark.parametrize("kind", ["png", "svg", "poster"])
def test_staff_cannot_get_another_organizations_codes_or_poster(actors, pages, kind):
    url = poster_url(actors.org_b) if kind == "poster" else code_url(actors.org_b, "vk", kind)

    response = actors.client_for(actors.staff_a).get(url)

    assert response.status_code == 404


def test_methodologist_gets_the_codes_and_poster_of_any_organization(actors, pages):
    client = actors.client_for(actors.methodologist)

    assert decoded_png(client.get(code_url(actors.org_b, "vk", "png")).content) == [VK_B]
    response = client.get(poster_url(actors.org_b))
    assert response.status_code == 200
    assert actors.org_b.name in " ".join(pdf_text(response.content).split())


def test_methodologist_of_another_district_cannot_get_the_poster(actors, pages):
    outsider = methodologist(district=DistrictFactory(name="Ейский район"), username="metodist_eysk")

    response = actors.client_for(outsider).get(poster_url(actors.org_a))

    assert response.status_code == 404


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_a_network_without_a_registered_page_has_no_code(actors, pages, fmt):
    response = actors.client_for(actors.staff_b).get(code_url(actors.org_b, "ok", fmt))

    assert response.status_code == 404


def test_an_unknown_network_has_no_code(actors, pages):
    response = actors.client_for(actors.staff_a).get(code_url(actors.org_a, "fb", "png"))

    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["png", "svg", "poster", "zip"])
def test_anonymous_visitor_is_sent_to_the_login_page(actors, pages, kind):
    url = {
        "png": code_url(actors.org_a, "vk", "png"),
        "svg": code_url(actors.org_a, "vk", "svg"),
        "poster": poster_url(actors.org_a),
        "zip": ZIP_URL,
    }[kind]

    response = actors.client_for(None).get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_staff_are_forbidden_the_district_zip(actors, pages):
    response = actors.client_for(actors.staff_a).get(ZIP_URL)

    assert response.status_code == 403


def test_the_zip_holds_one_poster_per_organization_in_scope(actors, pages):
    elsewhere = OrganizationFactory(district=DistrictFactory(name="Ейский район"), short_name="СОШ №1 Ейск")
    district_methodologist = methodologist(district=actors.org_a.district, username="metodist_kush")

    response = actors.client_for(district_methodologist).get(ZIP_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''QR_")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["СОШ_9.pdf", "д_с_10.pdf"]
        texts = {name: " ".join(pdf_text(archive.read(name)).split()) for name in archive.namelist()}
    assert actors.org_a.name in texts["СОШ_9.pdf"]
    assert actors.org_b.name in texts["д_с_10.pdf"]
    assert all(elsewhere.name not in text for text in texts.values())


def test_a_region_wide_methodologist_gets_every_organization_in_the_zip(actors, pages):
    OrganizationFactory(district=DistrictFactory(name="Ейский район"), short_name="СОШ №1 Ейск")

    response = actors.client_for(actors.methodologist).get(ZIP_URL)

    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["СОШ_1_Ейск.pdf", "СОШ_9.pdf", "д_с_10.pdf"]


# --- the links partial for the organization page -------------------------------------------


def test_the_links_partial_offers_the_poster_and_each_registered_code(actors, pages):
    html = render_to_string("reports/_qr_links.html", {"organization": actors.org_b, "pages": actors.org_b.pages.all()})

    assert poster_url(actors.org_b) in html
    assert code_url(actors.org_b, "vk", "png") in html
    assert code_url(actors.org_b, "vk", "svg") in html
    assert code_url(actors.org_b, "ok", "png") not in html  # no OK page, so no OK code


# --- the command ---------------------------------------------------------------------------


def test_the_command_writes_a_poster_per_organization_and_both_codes_per_page(actors, pages, tmp_path):
    output = tmp_path / "posters"
    stdout = io.StringIO()

    call_command("qr_posters", "--output", str(output), stdout=stdout)

    written = sorted(path.name for path in output.iterdir())
    assert written == sorted(
        ["СОШ_9.pdf", "СОШ_9_vk.png", "СОШ_9_vk.svg", "СОШ_9_ok.png", "СОШ_9_ok.svg",
         "д_с_10.pdf", "д_с_10_vk.png", "д_с_10_vk.svg"]
    )  # fmt: skip
    assert decoded_png((output / "СОШ_9_ok.png").read_bytes()) == [OK_A]
    assert (output / "д_с_10_vk.svg").read_bytes() == qr.qr_svg(VK_B)
    assert actors.org_b.name in " ".join(pdf_text((output / "д_с_10.pdf").read_bytes()).split())
    # One summary line, not a line per file.
    assert stdout.getvalue().splitlines() == [f"Готово: плакатов — 2, QR-кодов — 3 (PNG и SVG), папка {output.resolve()}"]


def test_the_command_can_write_one_organization_only(actors, pages, tmp_path):
    call_command("qr_posters", "--output", str(tmp_path), "--org", "д/с №10", stdout=io.StringIO())

    assert sorted(path.name for path in tmp_path.iterdir()) == ["д_с_10.pdf", "д_с_10_vk.png", "д_с_10_vk.svg"]


def test_the_command_refuses_an_unknown_organization_and_writes_nothing(actors, pages, tmp_path):
    with pytest.raises(CommandError, match="СОШ №404"):
        call_command("qr_posters", "--output", str(tmp_path / "out"), "--org", "СОШ №404", stdout=io.StringIO())

    assert not (tmp_path / "out").exists()


def test_the_command_writes_two_districts_sosh_9_apart_and_takes_one_district(actors, pages, tmp_path):
    namesake = OrganizationFactory(short_name="СОШ №9", district=DistrictFactory(name="Ейский район"))
    register(namesake, "vk", "https://vk.com/club777")

    call_command("qr_posters", "--output", str(tmp_path / "all"), stdout=io.StringIO())
    call_command("qr_posters", "--output", str(tmp_path / "eysk"), "--district", "Ейский район", stdout=io.StringIO())

    written = {path.name for path in (tmp_path / "all").iterdir()}
    assert {"СОШ_9.pdf", "СОШ_9_Ейский_район.pdf", "СОШ_9_Ейский_район_vk.png"} <= written
    assert len(written) == 11  # nothing overwritten: 3 posters, 4 codes in PNG and SVG
    assert sorted(path.name for path in (tmp_path / "eysk").iterdir()) == ["СОШ_9.pdf", "СОШ_9_vk.png", "СОШ_9_vk.svg"]
    assert decoded_png((tmp_path / "eysk" / "СОШ_9_vk.png").read_bytes()) == ["https://vk.com/club777"]


def test_the_command_refuses_a_short_name_two_districts_have_unless_the_district_is_named(actors, pages, tmp_path):
    OrganizationFactory(short_name="СОШ №9", district=DistrictFactory(name="Ейский район"))

    with pytest.raises(CommandError, match="«СОШ №9» — Ейский район, Кущевский район.*--district"):
        call_command("qr_posters", "--output", str(tmp_path / "out"), "--org", "СОШ №9", stdout=io.StringIO())
    assert not (tmp_path / "out").exists()

    call_command(
        "qr_posters", "--output", str(tmp_path / "out"), "--org", "СОШ №9", "--district", "Кущевский район",
        stdout=io.StringIO(),
    )
    assert decoded_png((tmp_path / "out" / "СОШ_9_ok.png").read_bytes()) == [OK_A]

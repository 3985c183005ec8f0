"""QR codes and printable posters for an organization's official pages.

The briefing asks schools to bring parents to their pages from offline («размещение qr-кодов
в ОО»), and the checklist item `qr_codes` is approved on a photo of the poster on the wall.
So the poster must scan from across a corridor: vector codes, high contrast, the short link
printed under each code for those who type instead of scanning.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from organizations.models import Network, OfficialPage, Organization

# M (15 % recovery) keeps the codes of short links small (version 2–3) so each module is
# large on paper, and still survives a scuffed or partly covered printout.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
# The standard's quiet zone; phone cameras lose codes printed without it.
BORDER_MODULES = 4
PNG_MODULE_PIXELS = 12

# The two networks of order 2523-р, in the order the poster shows them.
POSTER_NETWORKS = (Network.VK, Network.OK)


def _qr(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=BORDER_MODULES, box_size=PNG_MODULE_PIXELS)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str) -> bytes:
    """A black-on-white PNG, big enough (12 px a module) for a website or a chat message."""
    buffer = io.BytesIO()
    _qr(url).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(url: str) -> bytes:
    """A vector code for print shops and layouts; the white background is part of it, so the
    code still scans when placed on a coloured or dark design."""
    buffer = io.BytesIO()
    _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(buffer)
    return buffer.getvalue()


def short_url(url: str) -> str:
    """The link as people type it: `https://vk.com/club1` → `vk.com/club1`."""
    return re.sub(r"^https?://(www\.)?", "", url).rstrip("/")


def file_stems(organizations: Iterable[Organization]) -> dict[int, str]:
    """A file-system- and ZIP-safe name per organization, from its short name.

    Cyrillic stays (it is what people recognise: `СОШ_9`, `д_с_10`); slashes, `№` and spaces
    go. Two short names may reduce to the same stem (`СОШ №9` and `СОШ 9`, or two districts'
    «СОШ №1»), and a file must not overwrite another, so the later one gets its district's name
    appended where the district was read with it (`СОШ_1_Ейский_район`), else its id."""
    stems: dict[int, str] = {}
    taken: dict[str, int] = {}  # stem → the district of the organization that has it
    for organization in organizations:
        stem = re.sub(r"\W+", "_", organization.short_name).strip("_")[:80] or f"org_{organization.pk}"
        if taken.get(stem.casefold(), organization.district_id) != organization.district_id and (
            Organization.district.is_cached(organization)
        ):
            stem += "_" + re.sub(r"\W+", "_", organization.district.name).strip("_")[:80]
        if stem.casefold() in taken:
            stem = f"{stem}_{organization.pk}"
        taken[stem.casefold()] = organization.district_id
        stems[organization.pk] = stem
    return stems


@dataclass(frozen=True)
class PosterCode:
    """One network's half of the poster; `url` is None when no page is registered."""

    network: str
    network_label: str
    caption: str
    url: str | None
    short_url: str
    image_data_uri: str


def _captions() -> dict[str, str]:
    # A function, not a constant: the language is chosen per request.
    return {Network.VK: _("Мы ВКонтакте"), Network.OK: _("Мы в Одноклассниках")}


def poster_codes(pages: Iterable[OfficialPage]) -> list[PosterCode]:
    """VK first, then OK, whether or not a page is registered, so the layout never shifts and
    a missing page is visible on the printout instead of silently left out."""
    by_network = {page.network: page for page in pages}
    captions = _captions()
    codes = []
    for network in POSTER_NETWORKS:
        page = by_network.get(network)
        image = ""
        if page is not None:
            image = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(page.url)).decode("ascii")
        codes.append(
            PosterCode(
                network=network.value,
                network_label=str(network.label),
                caption=captions[network],
                url=page.url if page else None,
                short_url=short_url(page.url) if page else "",
                image_data_uri=image,
            )
        )
    return codes


def poster_html(organization: Organization, pages: Iterable[OfficialPage]) -> str:
    """Apart from the PDF so the layout can be checked in a browser while designing it."""
    return render_to_string(
        "reports/qr_poster.html", {"organization": organization, "codes": poster_codes(pages)}
    )


def poster_pdf(organization: Organization, pages: Iterable[OfficialPage]) -> bytes:
    """An A4 poster: the organization's name, its VK and OK codes with captions and links."""
    # Imported here: WeasyPrint loads Pango and fonts, which pages that never print need not pay for.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The poster embeds everything it shows. Only data: URIs keeps a crafted name or link from
    # making the server fetch anything; failing loudly beats printing a poster without its code.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=poster_html(organization, pages), url_fetcher=fetcher).write_pdf()


def posters_zip(organizations: Iterable[Organization]) -> bytes:
    """Every organization's poster, one PDF each, for a methodologist printing for a district.

    Pass organizations with `pages` prefetched, or each costs a query."""
    organizations = list(organizations)
    stems = file_stems(organizations)
    buffer = io.BytesIO()
    # PDFs are already compressed; deflating them again costs time and saves almost nothing.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for organization in organizations:
            archive.writestr(f"{stems[organization.pk]}.pdf", poster_pdf(organization, organization.pages.all()))
    return buffer.getvalue()

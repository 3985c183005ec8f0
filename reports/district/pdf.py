"""The district report as an A4 PDF: the template rendered by WeasyPrint with DejaVu Sans
(Cyrillic everywhere, the page margin boxes included), «Страница N из M» in the footer."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.district.content import Bar, Chart
from reports.district.letter import OfficialDocument, official_document
from reports.district.period import human_datetime
from reports.district.rows import DistrictReport

TEMPLATE = "reports/district_report.html"
FONT = "DejaVu Sans"
BAR_COLOURS = {"good": "#2f6f4f", "bad": "#b5452f", "track": "#e4e8ec"}
# WeasyPrint reports each layout step at INFO: noise in the server log and in the command's output.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_district_html(report: DistrictReport, doc: OfficialDocument | None = None) -> str:
    doc = doc or official_document(report)
    return render_to_string(
        TEMPLATE,
        {
            "doc": doc,
            # The chart is the one block drawn here rather than in the template: inline SVG.
            "blocks": [(block, overview_chart(block.bars) if isinstance(block, Chart) else None) for block in doc.blocks],
            "font": FONT,
            "css_header_left": css_string(f"{report.district} · {report.title}"),
            "css_header_right": css_string(_("Сформировано %(when)s") % {"when": human_datetime(report.generated_at)}),
            "css_footer": page_counter_content(_("Страница %(page)s из %(pages)s")),
        },
    )


def css_string(text: str) -> SafeString:
    """A CSS string literal: quotes, backslashes, angle brackets and controls as CSS escapes,
    so no value can end the string or the <style> element."""
    escaped = "".join(
        char if char.isprintable() and char not in '"\\<>' else f"\\{ord(char):x} " for char in text
    )
    return mark_safe(f'"{escaped}"')


def page_counter_content(phrase: str) -> SafeString:
    """CSS `content` for a translated phrase with %(page)s and %(pages)s in it."""
    parts = []
    for index, piece in enumerate(re.split(r"%\((page|pages)\)s", phrase)):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return mark_safe(" ".join(parts))


def render_district_pdf(report: DistrictReport, doc: OfficialDocument | None = None) -> bytes:
    # Imported here: WeasyPrint loads Pango and its fonts, which no other page needs.
    from weasyprint import HTML

    return HTML(string=render_district_html(report, doc), base_url=str(settings.BASE_DIR)).write_pdf()


def overview_chart(bars: list[Bar]) -> SafeString:
    """Horizontal bars, N of the organizations per criterion and network, as inline SVG."""
    label_width, bar_width, row_height, value_width = 250, 300, 22, 80
    width = label_width + bar_width + value_width
    height = row_height * len(bars) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="10" role="img" '
        f'aria-label="{escape(_("Доля организаций, выполняющих требования"))}">'
    ]
    for index, bar in enumerate(bars):
        label, value, total = bar.label, bar.value, bar.total
        y = 3 + index * row_height
        filled = round(bar_width * value / total) if total else 0
        colour = BAR_COLOURS["good"] if total and value == total else (
            BAR_COLOURS["bad"] if total and value * 2 < total else "#c98a1b"
        )
        parts.append(f'<text x="0" y="{y + 13}" fill="#1f2a36">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{bar_width}" height="14" fill="{BAR_COLOURS["track"]}"/>')
        if filled:
            parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{filled}" height="14" fill="{colour}"/>')
        parts.append(
            f'<text x="{label_width + bar_width + 8}" y="{y + 13}" fill="#1f2a36" font-weight="bold">'
            f'{escape(bar.phrase)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above

"""«Справка о ведении госпабликов»: the district report a methodologist hands out at a
meeting, in the order of the briefing's slides.

Every verdict section is read from `compliance_export` — the same page verdicts the
dashboard and the export show — so a number in the report can be traced back to the
export row it came from (`sections`). Only the best posts («Из опыта коллег») and the
period's post counts are read from the stored posts (`best_posts`), and only they follow
the chosen period (`period`): the verdicts always describe the window of the latest sweep
(DESIGN §3.2).

The PDF (`pdf`) and the XLSX (`xlsx`) both render the one `rows.DistrictReport` built here.
"""

from reports.district.period import (
    MOSCOW,
    Period,
    PeriodError,
    default_period,
    human_datetime,
    latest_sweep,
    parse_period,
)
from organizations.models import natural_key
from reports.district.rows import DistrictReport, organization_key
from reports.district.sections import build_district_report

__all__ = [
    "MOSCOW",
    "DistrictReport",
    "Period",
    "PeriodError",
    "build_district_report",
    "default_period",
    "human_datetime",
    "latest_sweep",
    "natural_key",
    "organization_key",
    "parse_period",
]

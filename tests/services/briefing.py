"""The briefing's findings, read back from what the portal concluded (the export)."""

from monitoring.compliance import compliance_export
from organizations.models import Organization


def briefing_picture() -> dict:
    export = compliance_export(Organization.objects.all())
    # The briefing's picture is of VK and OK; MAX channels (beyond the briefing) are checked apart.
    pages = [(org["short_name"], page) for org in export["organizations"] for page in org["communities"]
             if page["network"] in ("vk", "ok")]
    vk = [(name, page) for name, page in pages if page["network"] == "vk"]
    ok = [(name, page) for name, page in pages if page["network"] == "ok"]
    return {
        "vk_marks": sum(page["gov_mark"] is True for _, page in vk),
        "ok_marks": sum(page["gov_mark"] is True for _, page in ok),
        "vk_irregular": {name for name, page in vk if page["regular"] is False},
        "vk_regular": {name for name, page in vk if page["regular"] is True},
        "few_posts": {name for name, page in pages if page["posts_total"] is not None and page["posts_total"] < 2},
        "personal_reposts": {name for name, page in vk if page["reposts_from_personal_pages"]},
        "posts_by_others": {name for name, page in pages if page["posts_not_from_community"]},
        "errors": [(name, page["network"], page["error"]) for name, page in pages if page.get("error")],
        "export": export,
    }

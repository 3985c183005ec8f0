"""Shapes of the read-only API (reports/views/api.py).

Organizations and pages are served in the JSON export's shape (DESIGN §5): the views hand
these serializers the dicts `monitoring.compliance` builds for the export, so the API and
the export cannot disagree. The serializers only add the ids and document the shape for
the OpenAPI schema; they compute nothing.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from checklist.models import ChecklistEntry, Verdict, WorkStatus
from monitoring.compliance import KEPT_FIELDS
from monitoring.rules import INFO_ITEMS, STATUS_SEVERITY
from organizations.models import Network, Organization



def compliance_status(**kwargs) -> serializers.ChoiceField:
    """ok, warning, fail or unknown (DESIGN §3.2), worst first."""
    return serializers.ChoiceField(choices=STATUS_SEVERITY, read_only=True, **kwargs)


class ExportShapeSerializer(serializers.Serializer):
    """Serializes a dict the export built, key for key.

    A key the export leaves out stays out (a network with no page carries only `network`,
    `url`, `missing` and `status`); DRF would otherwise fill it with null. Fields that may be
    absent are declared `required=False`, so the schema does not promise them.
    """

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        data = super().to_representation(instance)
        return {key: value for key, value in data.items() if key in instance}


class WeekPostsSerializer(serializers.Serializer):
    week_start = serializers.DateField(read_only=True, help_text="Monday of the ISO week, Europe/Moscow.")
    posts = serializers.IntegerField(read_only=True)


class StaleSerializer(serializers.Serializer):
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=KEPT_FIELDS), read_only=True,
        help_text="Fields whose value was kept from an earlier sweep, in the entry's key order.",
    )
    read_at = serializers.DateTimeField(
        read_only=True, help_text="When they were read (Europe/Moscow); the oldest if they were read at different times."
    )


def _optional(field_class, **kwargs):
    return field_class(required=False, allow_null=True, **kwargs)


class CommunitySerializer(ExportShapeSerializer):
    """One `communities[]` entry of the export: a page's latest verdict."""

    network = serializers.ChoiceField(choices=Network.choices, read_only=True)
    url = serializers.URLField(read_only=True, allow_null=True, help_text="null when no page is registered.")
    missing = serializers.BooleanField(
        required=False, help_text="Present (true) only when the organization has no page on the network."
    )
    external_id = _optional(serializers.CharField)
    status = compliance_status()
    checked_at = _optional(serializers.DateTimeField, help_text="Last sweep that read the page (Europe/Moscow).")
    is_community = _optional(serializers.BooleanField)
    gov_mark = _optional(serializers.BooleanField, help_text="null: the network's API did not say.")
    posts_total = _optional(serializers.IntegerField)
    weekly_posts = WeekPostsSerializer(many=True, required=False, allow_null=True, help_text="Window weeks, oldest first.")
    current_week = WeekPostsSerializer(required=False, allow_null=True, help_text="The unfinished week, never judged.")
    regular = _optional(serializers.BooleanField)
    posts_not_from_community = _optional(serializers.IntegerField)
    reposts_from_personal_pages = _optional(serializers.IntegerField, help_text="VK only; null on OK.")
    missing_info = _optional(serializers.ListField, child=serializers.ChoiceField(choices=INFO_ITEMS))
    closed = _optional(serializers.BooleanField)
    deactivated = _optional(serializers.BooleanField)
    error = _optional(serializers.CharField, help_text="Why the status is unknown, in one sentence.")
    stale = StaleSerializer(
        required=False, allow_null=True, help_text="null when every value was read in the page's latest sweep."
    )
    subscribers = _optional(serializers.IntegerField, help_text="VK members_count, OK members, MAX participants_count.")
    audience_share = _optional(serializers.FloatField, help_text="subscribers ÷ the organization's audience, 2 decimals.")
    views_per_post = _optional(serializers.FloatField, help_text="Mean views of the window's community posts, 1 decimal.")
    engagement_rate = _optional(serializers.FloatField, help_text="Likes, reposts, comments ÷ views, percent, 2 decimals.")
    comments_unanswered = _optional(serializers.IntegerField, help_text="VK: people's comments without an answer for over 24 h.")
    comments_answered_share = _optional(serializers.FloatField, help_text="VK: answered ÷ (answered + unanswered).")


class PageSerializer(CommunitySerializer):
    """A registered page: its export entry plus the page and organization ids."""

    id = serializers.IntegerField(read_only=True)
    organization = serializers.IntegerField(read_only=True, help_text="Organization id.")
    organization_short_name = serializers.CharField(read_only=True)


class OrganizationChecklistSerializer(serializers.Serializer):
    code = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=WorkStatus.choices, read_only=True)
    verdict = serializers.ChoiceField(choices=Verdict.choices, read_only=True)
    due_date = serializers.DateField(read_only=True, allow_null=True)


class RatingSerializer(serializers.Serializer):
    score = serializers.FloatField(read_only=True, allow_null=True, help_text="0–100, 1 decimal; null: nothing known to score.")
    previous_score = serializers.FloatField(read_only=True, allow_null=True, help_text="The previous month's last score.")
    change = serializers.FloatField(read_only=True, allow_null=True, help_text="score − previous_score.")
    components = serializers.DictField(
        child=serializers.FloatField(allow_null=True), read_only=True,
        help_text="mark, info, regularity, from_community, audience, views, engagement, answers: each 0–1, null when unknown.",
    )


class OrganizationSerializer(ExportShapeSerializer):
    """One `organizations[]` entry of the export, with its id and the checklist items' titles."""

    id = serializers.IntegerField(read_only=True)
    short_name = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Organization.Kind.choices, read_only=True)
    district = serializers.CharField(read_only=True, help_text="District name.")
    audience = serializers.IntegerField(read_only=True, allow_null=True, help_text="Pupils, staff and parents as stated.")
    status = compliance_status(help_text="The worst of its pages and paperwork.")
    communities = CommunitySerializer(many=True, read_only=True, help_text="One entry per network: vk, ok.")
    checklist = OrganizationChecklistSerializer(many=True, read_only=True)
    rating = RatingSerializer(read_only=True, help_text="«Рейтинг госпабликов» (DESIGN §3.6); places are on the rating page and in the export.")


class ChecklistEntrySerializer(serializers.ModelSerializer):
    code = serializers.SlugField(source="item.code", read_only=True)
    title = serializers.CharField(source="item.title", read_only=True)
    organization_short_name = serializers.CharField(source="organization.short_name", read_only=True)
    due_date = serializers.DateField(source="effective_due_date", read_only=True, allow_null=True)

    class Meta:
        model = ChecklistEntry
        fields = [
            "id",
            "organization",
            "organization_short_name",
            "code",
            "title",
            "status",
            "verdict",
            "verdict_note",
            "due_date",
            "updated_at",
        ]
        read_only_fields = fields

"""The settings page's forms: the rule thresholds (DESIGN §3.2) and the report's letterhead.
Each field says what it does and its default; every refusal stands at its field."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from checklist.models import ChecklistItem
from monitoring.models import RuleSettings
from reports.models import Letterhead
from monitoring.rating import COMPONENTS

RATING_FIELDS = [f"rating_{component.code}" for component in COMPONENTS]

NUMBER_WIDGET = {"class": "form-control", "inputmode": "numeric"}


def _default(model, name: str):
    return model._meta.get_field(name).default


class MarksInvalid:
    """Bootstrap draws a refused field red only with `is-invalid` on the input itself."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class RuleSettingsForm(MarksInvalid, forms.ModelForm):
    class Meta:
        model = RuleSettings
        fields = ["weeks", "posts_per_week_min", "posts_per_week_target", "posts_total_min", "raw_retention_days",
                  "max_required", *RATING_FIELDS]
        widgets = {
            **{name: forms.NumberInput(attrs={**NUMBER_WIDGET, "min": 0}) for name in fields if name != "max_required"},
            "max_required": forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"}),
        }

    HELP = {
        "weeks": _("Сколько последних полных недель (пн–вс, МСК) перед проверкой оценивается регулярность. "
                   "От 1 до 12. По умолчанию — %(default)s."),
        "posts_per_week_min": _("Страница публикует регулярно, если в каждую неделю окна вышло не меньше стольких "
                                "публикаций от имени сообщества. По умолчанию — %(default)s."),
        "posts_per_week_target": _("Рекомендация, которую видят организации (методические рекомендации: 3–4 "
                                   "в неделю). Не меньше минимума. По умолчанию — %(default)s."),
        "posts_total_min": _("Сообщество, где публикаций меньше, попадает в справку как почти пустое. "
                             "По умолчанию — %(default)s."),
        "raw_retention_days": _("Через сколько дней удаляются исходные ответы ВКонтакте и Одноклассников; "
                                "итоги проверок остаются. Не меньше 7. По умолчанию — %(default)s."),
    }

    def __init__(self, *args, region: RuleSettings | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, text in self.HELP.items():
            self.fields[name].help_text = text % {"default": _default(RuleSettings, name)}
        # The unit stands after the input, so the label need not repeat it.
        self.fields["raw_retention_days"].label = _("Хранить исходные ответы API")
        self.fields["weeks"].widget.attrs["max"] = 12
        self.fields["raw_retention_days"].widget.attrs["min"] = 7
        for component, name in zip(COMPONENTS, RATING_FIELDS, strict=True):
            self.fields[name].label = component.label
            self.fields[name].help_text = _("%(mirrors)s По умолчанию — %(default)s.") % {
                "mirrors": component.mirrors, "default": _default(RuleSettings, name)}
            self.fields[name].widget.attrs["max"] = 100
        if region is not None:
            # A district's settings: how long raw answers are kept is the install's; where the
            # district's value is not the region's, the field says the region's.
            del self.fields["raw_retention_days"]
            for name, field in self.fields.items():
                theirs = getattr(region, name)
                if theirs != getattr(self.instance, name):
                    shown = (_("включено") if theirs else _("выключено")) if isinstance(theirs, bool) else theirs
                    field.region_note = _("В регионе — %(value)s.") % {"value": shown}

    def rating_fields(self):
        return [self[name] for name in RATING_FIELDS]

    def clean(self):
        data = super().clean()
        weeks = data.get("weeks")
        if weeks is not None and not 1 <= weeks <= 12:
            self.add_error("weeks", _("Окно — от 1 до 12 недель."))
        low, high = data.get("posts_per_week_min"), data.get("posts_per_week_target")
        if low is not None and high is not None and high < low:
            self.add_error("posts_per_week_target", _("Цель публикаций в неделю не может быть меньше минимума."))
        days = data.get("raw_retention_days")
        if days is not None and days < 7:
            self.add_error("raw_retention_days", _("Храните исходные ответы хотя бы 7 дней."))
        weights = [data.get(name) for name in RATING_FIELDS]
        for name, weight in zip(RATING_FIELDS, weights, strict=True):
            if weight is not None and weight > 100:
                self.add_error(name, _("Вес — от 0 до 100."))
        if None not in weights and not sum(weights):
            self.add_error(RATING_FIELDS[0], _("Хотя бы одна составляющая рейтинга должна иметь вес больше нуля."))
        return data


class DueDatesForm(MarksInvalid, forms.Form):
    """A due date per paperwork item: the region's (on the items) or a district's own, where an
    empty field or the region's date means the region's date (DESIGN §2: inherited until changed)."""

    prefix = "due"

    def __init__(self, *args, items: list[ChecklistItem], district_dates: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items, self.for_district = items, district_dates is not None
        for item in items:
            own = (district_dates or {}).get(item.code)
            field = forms.DateField(
                label=item.title, required=False, initial=datetime.date.fromisoformat(own) if own else item.due_date,
                widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"),
            )
            if self.for_district and item.due_date and own and own != item.due_date.isoformat():
                field.region_note = _("В регионе — %(date)s.") % {"date": item.due_date.strftime("%d.%m.%Y")}
            self.fields[item.code] = field

    def district_dates(self) -> dict[str, str]:
        """The district's own dates: those that are not the region's."""
        return {item.code: self.cleaned_data[item.code].isoformat() for item in self.items
                if self.cleaned_data[item.code] and self.cleaned_data[item.code] != item.due_date}

    def save_region(self) -> None:
        """The region's dates, on the items (each change in the audit log)."""
        for item in self.items:
            if self.cleaned_data[item.code] != item.due_date:
                item.due_date = self.cleaned_data[item.code]
                item.save(update_fields=["due_date"])


class LetterheadForm(MarksInvalid, forms.ModelForm):
    prefix = "letter"

    class Meta:
        model = Letterhead
        fields = [
            "body_name", "contacts", "outgoing_number", "outgoing_date", "addressee",
            "proposals_days", "proposals_responsible", "proposals",
            "signer_position", "signer_name", "executor_name", "executor_phone",
        ]
        widgets = {
            "contacts": forms.Textarea(attrs={"rows": 3}),
            "addressee": forms.Textarea(attrs={"rows": 2}),
            "proposals": forms.Textarea(attrs={"rows": 4}),
            "outgoing_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "proposals_days": forms.NumberInput(attrs={**NUMBER_WIDGET, "min": 1, "max": 365}),
            "executor_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
        self.fields["proposals_days"].label = _("Срок исполнения")

    def clean_proposals_days(self):
        days = self.cleaned_data["proposals_days"]
        if not 1 <= days <= 365:
            raise forms.ValidationError(_("Срок — от 1 до 365 дней."))
        return days

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from monitoring.models import RuleSettings


class RuleSettingsForm(forms.ModelForm):
    class Meta:
        model = RuleSettings
        fields = ["weeks", "posts_per_week_min", "posts_per_week_target", "posts_total_min", "raw_retention_days"]

    def clean(self):
        data = super().clean()
        if not 1 <= (data.get("weeks") or 0) <= 12:
            self.add_error("weeks", _("Окно — от 1 до 12 недель."))
        low, high = data.get("posts_per_week_min"), data.get("posts_per_week_target")
        if low is not None and high is not None and high < low:
            raise ValidationError(_("Цель публикаций в неделю не может быть меньше минимума."))
        if (data.get("raw_retention_days") or 0) < 7:
            self.add_error("raw_retention_days", _("Храните исходные ответы хотя бы 7 дней."))
        return data

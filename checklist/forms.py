from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from checklist.uploads import ALLOWED_EXTENSIONS


class EvidenceForm(forms.Form):
    # The file comes last: a browser sends the fields in this order, so when a file too big
    # is refused unread, the number, date and comment typed before it are still received.
    document_number = forms.CharField(label=_("Номер документа"), max_length=50, required=False)
    document_date = forms.DateField(
        label=_("Дата документа"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Комментарий для методиста"), max_length=1000, required=False)
    file = forms.FileField(
        label=_("Файл документа"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join("." + ext for ext in ALLOWED_EXTENSIONS)}),
    )

    def __init__(self, *args, needs_document_details: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Read per form: the limit is a setting, and said before a long upload is refused.
        self.fields["file"].help_text = gettext("PDF, DOC, DOCX, ODT, JPG или PNG, не больше %(limit)d МБ.") % {
            "limit": settings.UPLOAD_MAX_MB
        }
        # For static/js/upload-limit.js, which refuses such a file before it is sent.
        self.fields["file"].widget.attrs.update({
            "data-max-bytes": settings.UPLOAD_MAX_MB * 1024 * 1024,
            "data-too-big": gettext("Файл больше %(limit)d МБ. Уменьшите его (например, отсканируйте с меньшим "
                                    "разрешением) и выберите снова.") % {"limit": settings.UPLOAD_MAX_MB},
        })
        if needs_document_details:
            self.fields["document_number"].required = True
            self.fields["document_date"].required = True
        else:
            del self.fields["document_number"]
            del self.fields["document_date"]
        for field in self.fields.values():  # Bootstrap's look (templates/checklist/_field.html)
            field.widget.attrs["class"] = "form-control"

    def full_clean(self):
        super().full_clean()
        # A refused field is drawn red and names its error to a screen reader, beside its help.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = "form-control is-invalid"
                described = [f"{self[name].auto_id}_helptext"] if self.fields[name].help_text else []
                attrs["aria-describedby"] = " ".join([*described, f"{self[name].auto_id}_error"])

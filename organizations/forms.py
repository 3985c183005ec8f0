from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.links import LinkError, parse_page_link
from organizations.models import Network


class PageLinkForm(forms.Form):
    url = forms.CharField(
        label=_("Ссылка на официальную страницу"),
        max_length=300,
        required=False,
        help_text=_("Например, https://vk.com/club123456 или https://ok.ru/group/123456. Пустое поле удаляет ссылку."),
    )

    def __init__(self, *args, network: str, **kwargs):
        # The VK and OK forms share one page: distinct ids keep each label tied to its field.
        kwargs.setdefault("auto_id", f"id_{network}_%s")
        super().__init__(*args, **kwargs)
        self.network = network
        self.fields["url"].label = _("Ссылка: %(network)s") % {"network": Network(network).label}
        self.fields["url"].widget.attrs["placeholder"] = (
            "https://vk.com/club123456" if network == Network.VK else "https://ok.ru/group/123456"
        )
        self.fields["url"].widget.attrs["class"] = "textinput form-control"  # templates/checklist/_field.html

    def clean_url(self):
        raw = self.cleaned_data["url"].strip()
        if not raw:
            return None
        try:
            return parse_page_link(self.network, raw)
        except LinkError as error:
            raise forms.ValidationError(str(error)) from None

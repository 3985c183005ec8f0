"""«1 документ», «3 документа», «25 документов» in a template: Russian has three forms where
gettext's fallback without a catalogue knows two («2 документов»)."""

from django import template

register = template.Library()


@register.filter
def counted(count: int, forms: str) -> str:
    """`forms` is "one|few|many" (a translated string: English gives "one|many")."""
    words = forms.split("|")
    if len(words) < 3:
        return f"{count} {words[0] if count == 1 else words[-1]}"
    if count % 10 == 1 and count % 100 != 11:
        word = words[0]
    elif 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        word = words[1]
    else:
        word = words[2]
    return f"{count} {word}"

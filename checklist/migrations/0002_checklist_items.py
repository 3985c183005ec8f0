"""The checklist of the district briefing («ЧЕК-ЛИСТ») and the automatic criteria of
«Требования к ведению сообществ» / «Обязательная информация». Editable later in the admin."""

import datetime

from django.db import migrations
from django.utils.translation import gettext_noop  # marks the texts for the English catalog

ITEMS = [
    # code, mode, short title, title, description, needs number+date, due date
    ("order_responsible", "manual", gettext_noop("Приказ"),
     gettext_noop("Приказ о назначении ответственных за ведение официальных страниц"),
     gettext_noop("Загрузите приказ о назначении ответственных лиц за ведение и информационное наполнение "
     "официальных страниц организации в социальных сетях (270-ФЗ). Укажите его номер и дату."),
     True, datetime.date(2022, 12, 1)),
    ("instruction", "manual", gettext_noop("Инструкция"),
     gettext_noop("Утверждена Инструкция по работе с официальными аккаунтами"),
     gettext_noop("Загрузите утверждённую Инструкцию по работе с официальными аккаунтами в социальных сетях "
     "(распоряжение №131-р от 13.04.2023)."),
     False, None),
    ("password_policy", "manual", gettext_noop("Парольная защита"),
     gettext_noop("Утверждён Порядок организации парольной защиты аккаунтов"),
     gettext_noop("Загрузите утверждённый Порядок организации парольной защиты в аккаунтах социальных сетей. "
     "Сами пароли от соцсетей портал не хранит и никогда не запрашивает."),
     False, None),
    ("familiarization_journal", "manual", gettext_noop("Журнал ознакомления"),
     gettext_noop("Ответственные ознакомлены с инструкциями (журнал) и обязательствами"),
     gettext_noop("Загрузите скан журнала ознакомления ответственных лиц с инструкциями и обязательствами."),
     False, None),
    ("vk_gov_mark", "automatic", gettext_noop("Метка ВК"),
     gettext_noop("Метка «Госорганизация» ВКонтакте"),
     gettext_noop("Проверяется ночной проверкой. Метку получают через Госуслуги: управление сообществом → "
     "«Основная информация» → «Подтвердить статус через Госуслуги»."),
     False, None),
    ("ok_gov_mark", "automatic", gettext_noop("Метка ОК"),
     gettext_noop("Метка «Госорганизация» в Одноклассниках"),
     gettext_noop("Проверяется ночной проверкой. Метку получают через Госуслуги."),
     False, None),
    ("min_two_posts", "automatic", gettext_noop("≥ 2 публикаций"),
     gettext_noop("Не менее 2 публикаций в сообществах"),
     gettext_noop("Паблики не должны пустовать: в каждом сообществе не менее двух публикаций."),
     False, None),
    ("qr_codes", "manual", gettext_noop("QR-коды"),
     gettext_noop("QR-коды на официальные сообщества размещены в организации"),
     gettext_noop("Распечатайте плакат с QR-кодами, разместите его в здании и загрузите фотографию."),
     False, None),
    ("regular_posting", "automatic", gettext_noop("Регулярность"),
     gettext_noop("Регулярные публикации: 3–4 в неделю"),
     gettext_noop("Согласно федеральным методическим рекомендациям — 3–4 публикации в неделю в каждом сообществе."),
     False, None),
    ("posts_from_community", "automatic", gettext_noop("От имени сообщества"),
     gettext_noop("Публикации от имени сообщества, а не со страниц пользователей"),
     gettext_noop("Информация публикуется в сообществе от его имени, а не на странице пользователя или сотрудника."),
     False, None),
    ("mandatory_info", "automatic", gettext_noop("Обязательная информация"),
     gettext_noop("Обязательная информация: наименование, адрес, e-mail, телефон, сайт, описание"),
     gettext_noop("На странице сообщества указаны наименование, почтовый адрес, электронная почта, телефон, "
     "сайт и информация о деятельности организации."),
     False, None),
]


def load(apps, schema_editor):
    ChecklistItem = apps.get_model("checklist", "ChecklistItem")
    for position, (code, mode, short, title, description, details, due) in enumerate(ITEMS, start=1):
        ChecklistItem.objects.update_or_create(
            code=code,
            defaults=dict(
                mode=mode, short_title=short, title=title, description=description,
                needs_document_details=details, due_date=due, position=position,
            ),
        )


def unload(apps, schema_editor):
    apps.get_model("checklist", "ChecklistItem").objects.filter(code__in=[i[0] for i in ITEMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("checklist", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]

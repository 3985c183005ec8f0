"""The checklist of the district briefing («ЧЕК-ЛИСТ») and the automatic criteria of
«Требования к ведению сообществ» / «Обязательная информация». Editable later in the admin."""

import datetime

from django.db import migrations

ITEMS = [
    # code, mode, short title, title, description, needs number+date, due date
    ("order_responsible", "manual", "Приказ",
     "Приказ о назначении ответственных за ведение официальных страниц",
     "Загрузите приказ о назначении ответственных лиц за ведение и информационное наполнение "
     "официальных страниц организации в социальных сетях (270-ФЗ). Укажите его номер и дату.",
     True, datetime.date(2022, 12, 1)),
    ("instruction", "manual", "Инструкция",
     "Утверждена Инструкция по работе с официальными аккаунтами",
     "Загрузите утверждённую Инструкцию по работе с официальными аккаунтами в социальных сетях "
     "(распоряжение №131-р от 13.04.2023).",
     False, None),
    ("password_policy", "manual", "Парольная защита",
     "Утверждён Порядок организации парольной защиты аккаунтов",
     "Загрузите утверждённый Порядок организации парольной защиты в аккаунтах социальных сетей. "
     "Сами пароли от соцсетей портал не хранит и никогда не запрашивает.",
     False, None),
    ("familiarization_journal", "manual", "Журнал ознакомления",
     "Ответственные ознакомлены с инструкциями (журнал) и обязательствами",
     "Загрузите скан журнала ознакомления ответственных лиц с инструкциями и обязательствами.",
     False, None),
    ("vk_gov_mark", "automatic", "Метка ВК",
     "Метка «Госорганизация» ВКонтакте",
     "Проверяется ночной проверкой. Метку получают через Госуслуги: управление сообществом → "
     "«Основная информация» → «Подтвердить статус через Госуслуги».",
     False, None),
    ("ok_gov_mark", "automatic", "Метка ОК",
     "Метка «Госорганизация» в Одноклассниках",
     "Проверяется ночной проверкой. Метку получают через Госуслуги.",
     False, None),
    ("min_two_posts", "automatic", "≥ 2 публикаций",
     "Не менее 2 публикаций в сообществах",
     "Паблики не должны пустовать: в каждом сообществе не менее двух публикаций.",
     False, None),
    ("qr_codes", "manual", "QR-коды",
     "QR-коды на официальные сообщества размещены в организации",
     "Распечатайте плакат с QR-кодами, разместите его в здании и загрузите фотографию.",
     False, None),
    ("regular_posting", "automatic", "Регулярность",
     "Регулярные публикации: 3–4 в неделю",
     "Согласно федеральным методическим рекомендациям — 3–4 публикации в неделю в каждом сообществе.",
     False, None),
    ("posts_from_community", "automatic", "От имени сообщества",
     "Публикации от имени сообщества, а не со страниц пользователей",
     "Информация публикуется в сообществе от его имени, а не на странице пользователя или сотрудника.",
     False, None),
    ("mandatory_info", "automatic", "Обязательная информация",
     "Обязательная информация: наименование, адрес, e-mail, телефон, сайт, описание",
     "На странице сообщества указаны наименование, почтовый адрес, электронная почта, телефон, "
     "сайт и информация о деятельности организации.",
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

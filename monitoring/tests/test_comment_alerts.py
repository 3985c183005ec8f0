"""Staff are told once of each comment left without an answer (DESIGN §3.6, issue 13):
`manage.py sweep` reads the comments from the simulator over HTTP, and the notify step tells the
organization's staff — by e-mail, or in MAX where they linked it — of those waiting more than a
day, in one message per person and night, never twice, also across a crash."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from monitoring import notify
from monitoring.models import MaxAccount, Notification, PageComment, SweepRun
from monitoring.networks.max.bot import handle_update, link_code_create
from monitoring.notify import notify_run
from monitoring.tests.sweeping import NEIGHBOUR_VK, SCHOOL_VK, point_settings, register, run_sweep, world_scenario
from tests.factories import staff_of

pytestmark = pytest.mark.django_db

NIGHT = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)  # a Wednesday, 03:00 in Moscow
OWNER = -SCHOOL_VK
PARENT, ANOTHER = 501, 502
BOT_TOKEN = "f9LHodD0cOKx-BOTbotTOKEN-0123456789abcdef"
STAFF_MAX_ID = 4_000_321
KIND = Notification.Kind.COMMENTS_ALERT

# When each comment was written, counted back from NIGHT: how the tests tell them apart.
ANSWERED, WAITING, YOUNG, TOO_OLD = 60, 50, 5, 400


def commented_posts() -> list[dict]:
    """This week's posts and an old one: a question answered, one waiting two days, one
    written five hours before the night, and one under a post older than the 14 days."""
    return [
        {"days_ago": 3, "text": "Собрание родителей", "comment_list": [
            {"from_id": PARENT, "hours_ago": ANSWERED, "text": "Во сколько?", "thread": [{"from_id": OWNER, "hours_ago": 59}]},
            {"from_id": ANOTHER, "hours_ago": WAITING, "text": "А где?"},
        ]},
        {"days_ago": 2, "text": "Экскурсия", "comment_list": [{"from_id": PARENT, "hours_ago": YOUNG, "text": "Спасибо!"}]},
        {"days_ago": 20, "text": "Старое", "comment_list": [{"from_id": ANOTHER, "hours_ago": TOO_OLD, "text": "Давно"}]},
    ]


def comment(hours: int) -> PageComment:
    return PageComment.objects.get(written_at=NIGHT - timedelta(hours=hours))


class Nights:
    """The actors' district with СОШ №9's VK wall commented on; `sweep(day)` runs the night
    `day` days after NIGHT against the scenario as the test left it (its clock stays at NIGHT,
    so every comment is a day older each night)."""

    def __init__(self, actors, settings, run_simulator) -> None:
        self.actors, self.settings, self.run_simulator = actors, settings, run_simulator
        self.scenario = world_scenario(NIGHT)
        self.scenario["ok"]["groups"] = []
        self.scenario["vk"]["groups"][0]["posts"] = commented_posts()
        self.scenario["max"] = {"tokens": [BOT_TOKEN], "bot": {"user_id": 900001, "first_name": "Бот района",
                                                               "username": "kush_edu_bot"}}
        self.simulator = None

    def serve(self):
        self.simulator = self.run_simulator(copy.deepcopy(self.scenario))
        point_settings(self.settings, self.simulator, MAX_API_URL=self.simulator.url_max, MAX_BOT_TOKEN=BOT_TOKEN,
                       MAX_RATE_LIMIT="50/second", MAX_WEBHOOK_SECRET="")
        return self.simulator

    def sweep(self, day: int = 0) -> SweepRun:
        self.serve()
        with time_machine.travel(NIGHT + timedelta(days=day), tick=True):
            return run_sweep("--network", "vk")

    def post(self, text: str) -> dict:
        return next(post for post in self.scenario["vk"]["groups"][0]["posts"] if post["text"] == text)


@pytest.fixture
def nights(actors, settings, run_simulator) -> Nights:
    register(actors.org_a, "vk", f"https://vk.com/club{SCHOOL_VK}")
    register(actors.org_b, "vk", f"https://vk.com/club{NEIGHBOUR_VK}")
    for user in (actors.methodologist, actors.staff_a, actors.staff_b):
        user.email = f"{user.username}@kush.edu.example"
        user.save()
    return Nights(actors, settings, run_simulator)


def alerts_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email] and "без ответа" in message.subject]


def links(text: str) -> list[str]:
    return re.findall(r"https://vk\.com/wall\S+", text)


# --- what is told, to whom, once ------------------------------------------------------------


def test_staff_get_one_e_mail_naming_the_comment_waiting_more_than_a_day(nights):
    run = nights.sweep()

    [message] = alerts_to(nights.actors.staff_a)
    waiting = comment(WAITING)
    assert "СОШ №9" in message.subject and "Госпаблики" in message.subject
    # Only «А где?»: the answered one, the five-hour-old one and the one under an old post are not told.
    assert links(message.body) == [waiting.url]
    assert waiting.url == f"https://vk.com/wall{OWNER}_{waiting.post_id.split('_')[1]}?reply={waiting.comment_id}"
    assert "2 сут. назад" in message.body
    assert "написан 09.03.2026 01:00 (МСК)" in message.body  # 50 hours before 03:00 on the 11th, Moscow time
    assert f"/org/{nights.actors.org_a.pk}/#unanswered" in message.body
    assert reverse("organization-detail", args=[nights.actors.org_a.pk]) == f"/org/{nights.actors.org_a.pk}/"
    assert (waiting.alerted_at is not None, waiting.alerted_run) == (True, run)
    assert Notification.objects.get(run=run, recipient=nights.actors.staff_a, kind=KIND).sent_at is not None


def test_only_the_organizations_own_staff_are_told(nights):
    colleague = staff_of(nights.actors.org_a, username="sosh9_deputy", email="deputy@kush.edu.example")

    nights.sweep()

    assert len(alerts_to(colleague)) == 1 and len(alerts_to(nights.actors.staff_a)) == 1
    assert alerts_to(nights.actors.staff_b) == []  # СОШ №102's wall has no comments
    assert alerts_to(nights.actors.methodologist) == []


def test_the_next_night_does_not_tell_the_same_comment_again(nights):
    nights.sweep(0)

    nights.sweep(1)

    # «Спасибо!» turned a day old by the second night: told then, alone; «А где?» not again.
    first, second = alerts_to(nights.actors.staff_a)
    assert links(first.body) == [comment(WAITING).url]
    assert links(second.body) == [comment(YOUNG).url]
    assert "29 ч назад" in second.body
    nights.sweep(2)
    assert len(alerts_to(nights.actors.staff_a)) == 2


def test_a_comment_younger_than_a_day_is_not_told(nights):
    nights.post("Собрание родителей")["comment_list"].pop()  # only the young «Спасибо!» waits

    nights.sweep()

    assert alerts_to(nights.actors.staff_a) == []
    assert comment(YOUNG).alerted_at is None
    assert not Notification.objects.filter(kind=KIND).exists()


def test_a_comment_answered_before_it_is_a_day_old_is_never_told(nights):
    nights.sweep(0)
    nights.post("Экскурсия")["comment_list"][0]["thread"] = [{"from_id": OWNER, "hours_ago": 1, "text": "Пожалуйста!"}]

    nights.sweep(1)
    nights.sweep(2)

    assert [links(message.body) for message in alerts_to(nights.actors.staff_a)] == [[comment(WAITING).url]]
    assert comment(YOUNG).answered and comment(YOUNG).alerted_at is None


def test_a_comment_whose_answer_could_not_be_read_is_not_told_until_it_is(nights):
    """The community answered «Спасибо!» in the day; that night VK refuses its comments: the
    stored judgement («no answer») is older than the post's count and tells nobody anything."""
    nights.sweep(0)
    nights.post("Экскурсия")["comment_list"][0]["thread"] = [{"from_id": OWNER, "hours_ago": 1, "text": "Пожалуйста!"}]
    nights.scenario["faults"] = [{"network": "vk", "method": "wall.getComments", "error_code": 10}]

    nights.sweep(1)
    nights.scenario["faults"] = []
    nights.sweep(2)

    assert [links(message.body) for message in alerts_to(nights.actors.staff_a)] == [[comment(WAITING).url]]
    assert comment(YOUNG).answered and comment(YOUNG).alerted_at is None


def test_a_night_that_could_not_read_the_wall_tells_nothing_and_the_next_one_does(nights):
    """«Спасибо!» turns a day old on a night VK refuses the wall: what is stored of it is a
    night old (an answer may have come), so it waits for the next night that reads the wall."""
    nights.sweep(0)
    nights.scenario["faults"] = [{"network": "vk", "method": "wall.get", "owner_id": str(OWNER), "error_code": 10}]
    nights.sweep(1)
    assert len(alerts_to(nights.actors.staff_a)) == 1 and comment(YOUNG).alerted_at is None

    nights.scenario["faults"] = []
    nights.sweep(2)

    first, second = alerts_to(nights.actors.staff_a)
    assert links(second.body) == [comment(YOUNG).url]
    assert "2 сут. назад" in second.body  # 53 hours


def test_the_district_digest_counts_the_comments_waiting(nights):
    nights.sweep(0)
    nights.scenario["vk"]["groups"][0]["name"] = "Школа — новости"  # a change, so the digest is written

    nights.sweep(1)

    [digest] = [m for m in mail.outbox if m.to == [nights.actors.methodologist.email]]
    assert "Комментариев без ответа больше суток: 2 (организаций с ними: 1)." in digest.body


# --- MAX -----------------------------------------------------------------------------------------


def test_staff_who_chose_max_get_the_alert_there_and_no_e_mail(nights):
    staff = nights.actors.staff_a
    nights.serve()
    with time_machine.travel(NIGHT - timedelta(days=1)):
        handle_update({"update_type": "bot_started", "timestamp": 1_765_000_000_000, "chat_id": 90_000,
                       "user": {"user_id": STAFF_MAX_ID, "first_name": "Иван", "is_bot": False},
                       "payload": link_code_create(staff)})
    MaxAccount.objects.filter(user=staff).update(deliver=MaxAccount.Deliver.MAX)

    nights.sweep()
    notify_run(SweepRun.objects.latest("pk"))  # the notify step again, as a rerun would

    texts = [m["text"] for m in nights.simulator.max_sent() if m.get("user_id") == STAFF_MAX_ID]
    assert len(texts) == 1
    assert "без ответа" in texts[0] and comment(WAITING).url in texts[0] and comment(YOUNG).url not in texts[0]
    assert alerts_to(staff) == []


# --- a crash ---------------------------------------------------------------------------------------


def test_a_crash_after_the_alert_is_written_sends_it_once_on_the_rerun(nights, monkeypatch):
    def crash(run=None):
        raise SystemExit("the worker died before sending")

    monkeypatch.setattr(notify, "send_pending", crash)
    with pytest.raises(SystemExit):
        nights.sweep()
    monkeypatch.undo()
    run = SweepRun.objects.latest("pk")
    assert mail.outbox == [] and comment(WAITING).alerted_run == run

    notify_run(run)
    notify_run(run)

    [message] = alerts_to(nights.actors.staff_a)
    assert links(message.body) == [comment(WAITING).url]
    assert Notification.objects.filter(run=run, recipient=nights.actors.staff_a, kind=KIND).count() == 1


def test_a_crash_while_writing_the_alerts_leaves_the_comment_to_tell(nights, monkeypatch):
    colleague = staff_of(nights.actors.org_a, username="sosh9_deputy", email="deputy@kush.edu.example")
    written = []
    queue = notify.queue_message

    def crash_on_the_second(**kwargs):
        if kwargs["kind"] == KIND and written:
            raise SystemExit("the worker died between two messages")
        written.append(queue(**kwargs))
        return written[-1]

    monkeypatch.setattr(notify, "queue_message", crash_on_the_second)
    with pytest.raises(SystemExit):
        nights.sweep()
    monkeypatch.undo()
    run = SweepRun.objects.latest("pk")
    # The transaction took back the claim with the first message: neither is half done.
    assert comment(WAITING).alerted_at is None
    assert not Notification.objects.filter(kind=KIND).exists()

    notify_run(run)

    for person in (nights.actors.staff_a, colleague):
        [message] = alerts_to(person)
        assert links(message.body) == [comment(WAITING).url]
    assert comment(WAITING).alerted_run == run

"""What the nightly sweep saw and concluded. Every row a sweep writes has a natural
key (run + page, page + post id, run + page + change kind, run + recipient), so a
rerun after a crash updates rows instead of duplicating them."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from monitoring.rules import Thresholds
from organizations.models import DistrictSettings, Network, OfficialPage, Organization


class RuleSettings(DistrictSettings):
    """The thresholds of DESIGN §3.2 and the choices §2 lets a district make: the region's
    defaults, edited by the regional coordinator (by the methodologist where the install is one
    district), and a row per district that changed some of them. A district inherits value by
    value: `own` names the values it set; every other value is the region's, also after the
    region changes it. Such a row is stored with the region's values where it inherits (`save`
    keeps it so) and read with them (`inheriting`), so every reader gets what holds."""

    weeks = models.PositiveSmallIntegerField(_("недель в окне"), default=4)
    posts_per_week_min = models.PositiveSmallIntegerField(_("минимум публикаций в неделю"), default=3)
    posts_per_week_target = models.PositiveSmallIntegerField(_("цель публикаций в неделю"), default=4)
    posts_total_min = models.PositiveSmallIntegerField(_("минимум публикаций всего"), default=2)
    max_required = models.BooleanField(
        _("канал в MAX обязателен"), default=False,
        help_text=_(
            "Включено: отсутствующий или нарушающий правила канал в MAX учитывается в итоге организации, "
            "а в чек-листе появляется пункт «Канал в MAX». Выключено: канал в MAX показывается, но на итог не влияет."
        ),
    )
    # «Рейтинг госпабликов» (§3.6): the weight of each component in the score; their meaning and
    # the criterion each mirrors are told in `reports.rating.COMPONENTS`.
    rating_mark = models.PositiveSmallIntegerField(_("вес: метка «Госорганизация»"), default=20)
    rating_info = models.PositiveSmallIntegerField(_("вес: обязательная информация"), default=10)
    rating_regularity = models.PositiveSmallIntegerField(_("вес: регулярность"), default=20)
    rating_from_community = models.PositiveSmallIntegerField(_("вес: публикации от имени сообщества"), default=10)
    rating_audience = models.PositiveSmallIntegerField(_("вес: доля подписчиков от аудитории"), default=10)
    rating_views = models.PositiveSmallIntegerField(_("вес: просмотры публикации"), default=10)
    rating_engagement = models.PositiveSmallIntegerField(_("вес: вовлечённость"), default=10)
    rating_answers = models.PositiveSmallIntegerField(_("вес: ответы на комментарии"), default=10)
    # A district's own paperwork due dates: checklist item code → ISO date. An item not here
    # has the region's date (`ChecklistItem.due_date`); `checklist.services.due_dates_apply`
    # writes them onto the district's entries, where every list reads them.
    due_dates = models.JSONField(_("сроки документов района"), default=dict, blank=True)
    # The install's, not a district's: the region row's value is the one that counts.
    raw_retention_days = models.PositiveIntegerField(
        _("хранить исходные ответы API, дней"), default=90,
        help_text=_("После этого срока сырые JSON-ответы удаляются, нормализованные данные остаются."),
    )
    # A district row's values it set itself (names of `district_values()`); the rest are the
    # region's. Written by `save`, never by a form.
    own = models.JSONField(_("свои значения района"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("пороги правил")
        verbose_name_plural = _("пороги правил")

    def __str__(self) -> str:
        if self.district_id is None:
            return str(_("Пороги правил региона"))
        return str(_("Пороги правил: %(district)s") % {"district": self.district})

    @classmethod
    def book(cls) -> "RulesBook":
        """Every district's settings from one query, for work that spans districts."""
        rows = list(cls.objects.order_by("pk"))
        region = next((row for row in rows if row.district_id is None), None) or cls.load()
        return RulesBook(region, {row.district_id: row.inheriting(region) for row in rows if row.district_id is not None})

    @classmethod
    def district_values(cls) -> list[str]:
        """The values a district may set for itself, in the form's order. Not the due dates (a
        district's are its own item by item) nor how long raw answers are kept (the install's)."""
        return [field.attname for field in cls._meta.concrete_fields
                if field.name not in ("id", "district", "due_dates", "raw_retention_days", "own")]

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        row._remember_as_read()
        return row

    def _remember_as_read(self) -> None:
        # What a reader was handed, so that `save` tells a value someone set from one left as read.
        self._as_read = {name: self.__dict__[name] for name in self._loaded_values()}

    def inheriting(self, region: RuleSettings) -> RuleSettings:
        """This district row with the region's values wherever the district set none of its own."""
        for name in self.district_values():
            if name not in self.own:
                setattr(self, name, getattr(region, name))
        self.raw_retention_days = region.raw_retention_days
        self._remember_as_read()
        return self

    def save(self, *args, **kwargs) -> None:
        """A district row: a value someone changed becomes the district's own where it differs
        from the region's, and the region's again where it is the same; a value left as read
        stays what it was (own, or the region's current). The region's row: every district
        stores the new values it inherits."""
        region = type(self).load() if self.district_id is not None else None
        with transaction.atomic():
            if region is not None:
                self._own_against(region)
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "own", *self._loaded_values()}
                if not self._state.adding and self.pk is not None:
                    stored_own = type(self).objects.filter(pk=self.pk).values_list("own", flat=True).first()
                    self._stored_inheriting(region, stored_own or [])
            super().save(*args, **kwargs)
            if region is None:
                for row in type(self).objects.exclude(district=None).only("pk", "own"):
                    row._stored_inheriting(self, row.own)
        self._remember_as_read()

    def _loaded_values(self) -> list[str]:
        return [name for name in self.district_values() if name in self.__dict__]  # not the deferred

    def _own_against(self, region: RuleSettings) -> None:
        as_read, own = getattr(self, "_as_read", {}), set(self.own or ())
        for name in self._loaded_values():
            value, theirs = getattr(self, name), getattr(region, name)
            if name in as_read and value == as_read[name]:
                if name not in own:
                    setattr(self, name, theirs)
            elif value != theirs:
                own.add(name)
            else:
                own.discard(name)
        self.own = [name for name in self.district_values() if name in own]
        self.raw_retention_days = region.raw_retention_days

    def _stored_inheriting(self, region: RuleSettings, own: list[str]) -> None:
        """The stored row takes the region's values where it inherits (`own`: what it set as
        stored), quietly: `update` writes no audit entry, so the log says of a district's change
        what the district saw, old → new, and nothing of the region's values it merely follows."""
        type(self).objects.filter(pk=self.pk).update(
            raw_retention_days=region.raw_retention_days,
            **{name: getattr(region, name) for name in self.district_values() if name not in own},
        )

    def thresholds(self) -> Thresholds:
        """The thresholds the rules judge by (`monitoring.rules` knows nothing of the database)."""
        return Thresholds(
            weeks=self.weeks,
            posts_per_week_min=self.posts_per_week_min,
            posts_total_min=self.posts_total_min,
            posts_per_week_target=self.posts_per_week_target,
        )


class RulesBook:
    """The region's settings and each district's own: `of(district_id)` is what the district's
    organizations are judged by."""

    def __init__(self, region: RuleSettings, own: dict[int, RuleSettings]):
        self.region, self.own = region, own

    def of(self, district_id: int | None) -> RuleSettings:
        return self.own.get(district_id, self.region) if district_id is not None else self.region

    def max_required_q(self, field: str = "district_id") -> models.Q:
        """Organizations whose district requires a MAX channel (§3.5), as a filter on `field`."""
        differ = [pk for pk, row in self.own.items() if row.max_required != self.region.max_required]
        if self.region.max_required:
            return ~models.Q(**{f"{field}__in": differ})
        return models.Q(**{f"{field}__in": differ})

    def max_required_key(self) -> tuple:
        """What `max_required_q` depends on, for a cache key."""
        return self.region.max_required, sorted((pk, row.max_required) for pk, row in self.own.items())

    def any_max_required(self) -> bool:
        return self.region.max_required or any(row.max_required for row in self.own.values())

    def widest_weeks(self) -> int:
        return max([self.region.weeks, *(row.weeks for row in self.own.values())])


class SweepRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Идёт")
        FINISHED = "finished", _("Завершена")
        FAILED = "failed", _("Остановлена с ошибкой")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("По расписанию")
        MANUAL = "manual", _("Вручную из портала")
        COMMAND = "command", _("Командой sweep")

    started_at = models.DateTimeField(_("начало"))
    finished_at = models.DateTimeField(_("конец"), null=True, blank=True)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(_("запуск"), max_length=10, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    networks = models.JSONField(_("соцсети"), default=list)
    # Empty: every organization; else the ids `sweep --org` asked for.
    organization_ids = models.JSONField(null=True, blank=True)
    pages_total = models.PositiveIntegerField(_("страниц"), default=0)
    pages_done = models.PositiveIntegerField(_("проверено"), default=0)
    faults = models.PositiveIntegerField(_("сбоев API"), default=0)
    # VK pages left for the next night: the day's wall.get quota could not carry them
    # (`monitoring.sweep.plan_vk_day`). Not counted in pages_total.
    pages_deferred = models.PositiveIntegerField(_("отложено страниц"), default=0)
    # Why a network was stopped (bad token, signature): shown to administrators.
    config_errors = models.JSONField(_("ошибки настройки"), default=dict, blank=True)
    notified_at = models.DateTimeField(_("уведомления отправлены"), null=True, blank=True)
    # Which pages the run is for: "all", "district:<id>", or "orgs:<digest of the ids>". The
    # database lets one run at a time be unfinished per scope (`monitoring.sweep.run.sweep_start`).
    scope = models.CharField(_("охват"), max_length=64, default="all")
    # Touched whenever the run stores pages or claims a batch: the watchdog takes a run with
    # no progress for SWEEP_STALL_SECONDS for stalled (`monitoring.sweep.watchdog`).
    progressed_at = models.DateTimeField(_("последний шаг"), null=True, blank=True)
    # When the second reading of the pages whose first read failed was planned (once a run).
    retry_planned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("запуск проверки")
        verbose_name_plural = _("запуски проверки")
        constraints = [
            models.UniqueConstraint(
                fields=["scope"], condition=models.Q(finished_at=None), name="one_unfinished_run_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    def deferred_message(self) -> str:
        """What the sweep page and `manage.py sweep` say about the deferred pages ("" if none)."""
        if not self.pages_deferred:
            return ""
        return gettext("Отложено до следующей ночи: %(pages)s — не хватает дневного лимита VK.") % {
            "pages": pages_phrase(self.pages_deferred)
        }


def pages_phrase(count: int) -> str:
    """«1 страница», «3 страницы», «21 страница», «25 страниц»."""
    if count % 10 == 1 and count % 100 != 11:
        word = gettext("страница")
    elif 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        word = gettext("страницы")
    else:
        word = gettext("страниц")
    return f"{count} {word}"


class SweepBatch(models.Model):
    """A slice of one run's pages for one network: the unit a Celery worker leases.

    `attempt` 1 reads every page of the run; attempt 2, planned once every first read is
    stored, reads again the pages whose first read failed (DESIGN §3.2 «Retries»). A worker
    holds the batch by its lease, renewed as it stores; a lease that ran out means the worker
    died, and the watchdog sends the batch again. The pages already stored are not read again."""

    run = models.ForeignKey(SweepRun, on_delete=models.CASCADE, related_name="batches")
    network = models.CharField(max_length=8, choices=Network.choices)
    attempt = models.PositiveSmallIntegerField(default=1)
    index = models.PositiveIntegerField()
    page_ids = models.JSONField(default=list)
    stored_ids = models.JSONField(default=list)  # judged and stored in this run
    failed_ids = models.JSONField(default=list)  # read failed: left for attempt 2
    leased_by = models.CharField(max_length=64, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    dispatches = models.PositiveSmallIntegerField(default=0)  # times the watchdog sent it again
    # Whether any request of this batch got to the API server (None: none was sent). A network
    # whose server no request of a run could reach is a configuration error, not a night of «unknown».
    reached = models.BooleanField(null=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "network", "attempt", "index"], name="one_batch_slot")
        ]


class Snapshot(models.Model):
    """One page as one sweep saw it: normalised fields, the verdict, and the raw answer."""

    run = models.ForeignKey(SweepRun, on_delete=models.CASCADE, related_name="snapshots")
    # PROTECT here, on posts and on events: they are the page's history, which outlives its
    # registration (pages are detached, never deleted); deleting a page with history is refused.
    page = models.ForeignKey(OfficialPage, on_delete=models.PROTECT, related_name="snapshots")
    taken_at = models.DateTimeField(_("когда"))
    info_read = models.BooleanField(_("информация прочитана"), default=False)
    wall_read = models.BooleanField(_("стена прочитана"), default=False)
    name = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    address = models.CharField(max_length=500, blank=True)
    emails = models.JSONField(default=list)
    phones = models.JSONField(default=list)
    sites = models.JSONField(default=list)
    contact_ids = models.JSONField(default=list)
    gov_mark = models.BooleanField(null=True)
    closed = models.BooleanField(null=True)
    deactivated = models.BooleanField(null=True)
    wall_open_to_others = models.BooleanField(null=True)
    members_count = models.PositiveIntegerField(null=True)
    verdict = models.JSONField(_("оценка"), default=dict)
    error = models.CharField(max_length=500, blank=True)
    # Pruned after RuleSettings.raw_retention_days (152-ФЗ: keep only what the work needs).
    raw = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-taken_at"]
        verbose_name = _("снимок страницы")
        verbose_name_plural = _("снимки страниц")
        constraints = [models.UniqueConstraint(fields=["run", "page"], name="one_snapshot_per_run")]
        indexes = [models.Index(fields=["page", "-taken_at"])]


class PageState(models.Model):
    """The latest verdict of a page, carried across sweeps (stale values keep their date)."""

    page = models.OneToOneField(OfficialPage, on_delete=models.CASCADE, related_name="state")
    status = models.CharField(max_length=10, default="unknown")
    verdict = models.JSONField(default=dict)
    checked_at = models.DateTimeField(null=True, blank=True)  # last sweep that read anything
    # The last sweep that read each list of the wall completely (community posts: VK
    # filter=owner or OK's whole feed; posts by others: VK filter=others) and the list's count
    # then: the next sweep reads only what is newer and checks the count against it to know
    # that nothing older was deleted (DESIGN §3.2 «What stands on the wall now»).
    wall_read_at = models.DateTimeField(null=True, blank=True)
    wall_total = models.PositiveIntegerField(null=True, blank=True)
    others_read_at = models.DateTimeField(null=True, blank=True)
    others_total = models.PositiveIntegerField(null=True, blank=True)
    # verdict field → when it was last read; older than last_run means stale.
    field_dates = models.JSONField(default=dict)
    last_run = models.ForeignKey(SweepRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_snapshot = models.ForeignKey(Snapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("состояние страницы")
        verbose_name_plural = _("состояния страниц")


class PagePostQuerySet(models.QuerySet):
    def on_wall(self) -> "PagePostQuerySet":
        """The posts still on the wall at the last read: every figure counts only these."""
        return self.filter(removed_at=None)


class PagePost(models.Model):
    """One post or topic as the sweeps saw it. A post deleted from the wall stays here (its
    history) with `removed_at` set; it shows up again, `removed_at` goes back to null."""

    page = models.ForeignKey(OfficialPage, on_delete=models.PROTECT, related_name="posts")
    external_id = models.CharField(max_length=50)
    date = models.DateTimeField()
    from_community = models.BooleanField()
    author_id = models.CharField(max_length=50, blank=True)
    is_repost = models.BooleanField(default=False)
    repost_of_personal = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    hashtags = models.JSONField(default=list)
    attachment_kinds = models.JSONField(default=list)
    largest_photo_px = models.PositiveIntegerField(null=True)
    views = models.PositiveIntegerField(null=True)
    likes = models.PositiveIntegerField(null=True)
    reposts = models.PositiveIntegerField(null=True)
    comments = models.PositiveIntegerField(null=True)
    # The post's comment count when its comments were last read (VK, §3.6): read again only
    # when the count moves.
    comments_read = models.PositiveIntegerField(null=True)
    first_seen_run = models.ForeignKey(SweepRun, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    # The start of the sweep that found it gone from a wall it read completely.
    removed_at = models.DateTimeField(_("удалена со стены"), null=True, blank=True)

    objects = PagePostQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        verbose_name = _("публикация")
        verbose_name_plural = _("публикации")
        constraints = [models.UniqueConstraint(fields=["page", "external_id"], name="one_row_per_post")]
        indexes = [models.Index(fields=["page", "-date"])]


class PageComment(models.Model):
    """A top-level comment by someone other than the community under one of its recent posts
    (VK, §3.6), as its post's last comment read found it: answered by the community or not.
    Neither its text nor its author is kept: the link leads to it."""

    page = models.ForeignKey(OfficialPage, on_delete=models.CASCADE, related_name="comments")
    post_id = models.CharField(max_length=50)  # the post's external id, e.g. "-101_17"
    comment_id = models.CharField(max_length=30)
    written_at = models.DateTimeField(_("написан"))
    answered = models.BooleanField(_("есть ответ"), default=False)
    first_seen_run = models.ForeignKey(SweepRun, on_delete=models.SET_NULL, null=True, related_name="+")
    # Staff were told of it, unanswered, once: by the run that claimed it (`monitoring.notify`),
    # which writes their messages in the same transaction.
    alerted_at = models.DateTimeField(null=True, blank=True)
    alerted_run = models.ForeignKey(SweepRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["written_at"]
        verbose_name = _("комментарий")
        verbose_name_plural = _("комментарии")
        constraints = [models.UniqueConstraint(fields=["page", "comment_id"], name="one_row_per_comment")]

    @property
    def url(self) -> str:
        return f"https://vk.com/wall{self.post_id}?reply={self.comment_id}"


class ChangeEvent(models.Model):
    """Something changed on a page that may cost it the mark (DESIGN §3.3). Written by the
    sweep (detect), then claimed by the notification step (notify)."""

    class Severity(models.TextChoices):
        INFO = "info", _("К сведению")
        WARNING = "warning", _("Внимание")
        CRITICAL = "critical", _("Срочно")

    page = models.ForeignKey(OfficialPage, on_delete=models.PROTECT, related_name="change_events")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="change_events")
    run = models.ForeignKey(SweepRun, on_delete=models.CASCADE, related_name="change_events")
    # The observation this change is measured from: one event per page, kind and previous
    # snapshot, so two runs comparing with the same snapshot cannot both write it.
    previous_snapshot = models.ForeignKey(
        Snapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("что случилось"), max_length=40)
    severity = models.CharField(_("важность"), max_length=10, choices=Severity.choices)
    message = models.TextField(_("сообщение"))
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("принято к сведению"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("событие на странице")
        verbose_name_plural = _("события на страницах")
        constraints = [
            models.UniqueConstraint(fields=["page", "kind", "previous_snapshot"], name="one_change_per_observation")
        ]
        indexes = [models.Index(fields=["notified_at"]), models.Index(fields=["organization", "acknowledged_at"])]


class Notification(models.Model):
    """One message to one person: a sweep's digest (keyed by run) or a reminder (keyed by
    period, e.g. a date or an ISO week). The row is written before the e-mail goes out and
    sending claims it, so a rerun never sends it twice."""

    class Kind(models.TextChoices):
        STAFF_DIGEST = "staff_digest", _("Сводка для организации")
        DISTRICT_DIGEST = "district_digest", _("Сводка по району")
        CONFIG_ALERT = "config_alert", _("Ошибка настройки API")
        STAFF_REMINDER = "staff_reminder", _("Напоминание о сроках")
        DISTRICT_WEEKLY = "district_weekly", _("Еженедельная сводка по району")
        MIDWEEK_NUDGE = "midweek_nudge", _("Напоминание о публикациях на неделе")
        COMMENTS_ALERT = "comments_alert", _("Комментарии без ответа")

    run = models.ForeignKey(SweepRun, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    period = models.CharField(max_length=20, blank=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # The same message in MAX, claimed and recorded apart from the e-mail (exactly once each).
    max_sent_at = models.DateTimeField(null=True, blank=True)
    max_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        constraints = [
            models.UniqueConstraint(fields=["run", "recipient", "kind"], name="one_digest_per_run"),
            models.UniqueConstraint(
                fields=["recipient", "kind", "period"], condition=~models.Q(period=""), name="one_reminder_per_period"
            ),
        ]


class DailyMetric(models.Model):
    """Counts per day for trend charts (one row per day, upserted by the finish step)."""

    date = models.DateField(_("день"), unique=True)
    data = models.JSONField(_("показатели"), default=dict)

    class Meta:
        verbose_name = _("показатели за день")
        verbose_name_plural = _("показатели по дням")


# --- the district's MAX bot (DESIGN §3.5, §5) ----------------------------------------------------


class MaxAccount(models.Model):
    """A portal user's MAX account, bound through the bot's deep link. Only MAX's numeric
    `user_id` is kept: no name, no phone. `deliver` says where digests and alerts go."""

    class Deliver(models.TextChoices):
        EMAIL = "email", _("только e-mail")
        MAX = "max", _("только MAX")
        BOTH = "both", _("MAX и e-mail")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="max_account")
    max_user_id = models.BigIntegerField(unique=True)
    linked_at = models.DateTimeField(auto_now_add=True)
    # Both, once linked: a message in MAX is what the person asked for by linking, and the
    # e-mail stays the record until they choose otherwise.
    deliver = models.CharField(_("куда присылать уведомления"), max_length=5, choices=Deliver.choices,
                               default=Deliver.BOTH)

    class Meta:
        verbose_name = _("аккаунт MAX")
        verbose_name_plural = _("аккаунты MAX")


class MaxLinkCode(models.Model):
    """A one-time code in the bot's deep link `https://max.ru/<bot>?start=<code>`: valid a day,
    used once, by the user it was made for."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)


class MaxBotChat(models.Model):
    """A chat the district bot was added to (`bot_added`; `bot_removed` sets `removed_at`): MAX
    no longer lists a bot's chats, so these events are the only record of them."""

    chat_id = models.BigIntegerField(unique=True)
    is_channel = models.BooleanField(default=False)
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)


class MaxBotState(models.Model):
    """One row: the `marker` of `GET /updates` up to which every update was handled."""

    marker = models.BigIntegerField(null=True, blank=True)

    @classmethod
    def load(cls) -> "MaxBotState":
        state, _created = cls.objects.get_or_create(pk=1)
        return state


class RatingSnapshot(models.Model):
    """An organization's «Рейтинг госпабликов» score in one month (§3.6): the month's row is
    rewritten by every finished sweep of that month, so the previous month's row holds where
    the organization stood when that month ended. The change on the rating page is measured
    against it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="rating_snapshots",
        verbose_name=_("организация"),
    )
    month = models.DateField(_("месяц"))  # its first day
    score = models.FloatField(_("балл"), null=True)  # None: nothing to score yet
    components = models.JSONField(_("составляющие"), default=dict)
    updated_at = models.DateTimeField(_("записано"), auto_now=True)

    class Meta:
        verbose_name = _("место в рейтинге за месяц")
        verbose_name_plural = _("места в рейтинге по месяцам")
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="one_rating_row_per_month")]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}: {self.score}"

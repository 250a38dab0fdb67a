"""Communications as they arrive (messages, events), the identities they come from, the
intent signals the tagger finds, and the tagger's configuration.

A ``Message`` keeps what the connector read: sender id, raw payload, quoted text. Once
its sender is linked to a customer, the message also becomes a ``crm.Interaction``, the
record analytics and the customer timeline read; signals hang on that interaction.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salespulse.crm.models import Contact, Customer, Interaction, Lead, Opportunity


class SourceKind(models.TextChoices):
    WECOM = "wecom", _("WeCom chat archive")
    WECOM_CONTACTS = "wecom_contacts", _("WeCom external contacts")
    MEMOTRACE = "memotrace", _("WeChat export (MemoTrace)")
    PYWXDUMP = "pywxdump", _("WeChat export (PyWxDump)")
    WECHATEXPORTER = "wechatexporter", _("WeChat export (WechatExporter)")
    EMAIL = "email", _("E-mail")
    CALL_SUMMARY = "call_summary", _("Call summary")
    MEETING_MINUTES = "meeting_minutes", _("Meeting minutes")
    CAPTURE = "capture", _("Quick capture")


class Speaker(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    REP = "rep", _("Sales rep")
    INTERNAL = "internal", _("Internal note")
    MIXED = "mixed", _("Several speakers")
    UNKNOWN = "unknown", _("Unknown")


class IngestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class IngestJob(models.Model):
    """One run of a connector over one file. ``position`` is the byte offset (or record
    number) after the last committed chunk, so a stopped run resumes there."""

    source = models.CharField(_("source"), max_length=20, choices=SourceKind.choices)
    file_name = models.CharField(_("file"), max_length=500)
    # Where the worker reads the file; uploads are stored under MEDIA_ROOT/signals/uploads.
    file_path = models.CharField(max_length=1000, blank=True)
    # Zone of the local-time strings in WeChat exports and minutes.
    time_zone = models.CharField(max_length=64, default="Asia/Shanghai")
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    file_size = models.BigIntegerField(default=0)
    status = models.CharField(_("status"), max_length=10, choices=IngestStatus.choices, default=IngestStatus.PENDING)
    position = models.BigIntegerField(default=0)
    records_read = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ingestion run")
        verbose_name_plural = _("ingestion runs")

    def __str__(self) -> str:
        return f"{self.source}:{self.file_name}"


class IngestError(models.Model):
    """A record a connector could not read: where it is and why."""

    job = models.ForeignKey(IngestJob, on_delete=models.CASCADE, related_name="errors")
    line = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    excerpt = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["job_id", "line", "id"]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line}: {self.reason}"


class IdentityKind(models.TextChoices):
    WECOM_USER = "wecom_user", _("WeCom member id")
    WECOM_EXTERNAL = "wecom_external", _("WeCom external user id")
    WECHAT_ID = "wechat_id", _("WeChat id")
    NICKNAME = "nickname", _("Remark or nickname")
    EMAIL = "email", _("E-mail address")
    PHONE = "phone", _("Phone")


class IdentityStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("Waiting for review")
    LINKED = "linked", _("Linked")
    IGNORED = "ignored", _("Ignored")


class Identity(models.Model):
    """A sender or recipient as a connector sees it. Linking one to a contact, customer
    or rep is stored here, so the next import uses it; unmatched ones form the review
    queue."""

    kind = models.CharField(_("kind"), max_length=16, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=200)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=IdentityStatus.choices, default=IdentityStatus.UNMATCHED
    )
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message_count = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "id"]
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identity_kind_value_unique")]
        indexes = [models.Index(fields=["status", "last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Message(models.Model):
    """One communication as read from its source. ``dedupe_key`` is the source's message
    id, or a content hash where the format has none; a re-import adds nothing."""

    source = models.CharField(_("source"), max_length=20, choices=SourceKind.choices)
    dedupe_key = models.CharField(max_length=200, unique=True)
    external_id = models.CharField(max_length=200, blank=True)
    msgtype = models.CharField(_("type"), max_length=32, default="text")
    sent_at = models.DateTimeField(_("time"), db_index=True)
    sender = models.ForeignKey(Identity, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    # The customer-side party of the conversation: the sender of an inbound message, the
    # one recipient of a rep's one-to-one message. Linking it by hand re-links the message.
    counterpart = models.ForeignKey(
        Identity, on_delete=models.SET_NULL, null=True, blank=True, related_name="counterpart_messages"
    )
    sender_name = models.CharField(max_length=200, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    room_id = models.CharField(max_length=120, blank=True, db_index=True)
    speaker = models.CharField(max_length=10, choices=Speaker.choices, default=Speaker.UNKNOWN)
    subject = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    quoted_text = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    recalled = models.BooleanField(default=False)
    recalled_at = models.DateTimeField(null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    interaction = models.OneToOneField(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="message"
    )
    job = models.ForeignKey(IngestJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["customer", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id or self.pk}"


class Event(models.Model):
    """A record that is not chat (an enterprise switch, archive consent, …), kept for
    audit and never tagged."""

    source = models.CharField(max_length=20, choices=SourceKind.choices)
    dedupe_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32)
    occurred_at = models.DateTimeField(null=True, blank=True)
    actor = models.CharField(max_length=200, blank=True)
    # The dedupe key of the message a recall withdraws; a message imported later checks it.
    refers_to = models.CharField(max_length=200, blank=True, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    job = models.ForeignKey(IngestJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.dedupe_key}"


class TagDefinition(models.Model):
    """An intent tag. The default taxonomy ships as data (``signals/taxonomy``); ops add
    tags and edit phrases on the tagger settings page."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    description = models.TextField(_("definition"), blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    builtin = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("intent tag")
        verbose_name_plural = _("intent tags")

    def __str__(self) -> str:
        return self.code


class TagPhrase(models.Model):
    """A phrase that triggers its tag (or, with ``blocks``, suppresses it)."""

    tag = models.ForeignKey(TagDefinition, on_delete=models.CASCADE, related_name="phrases")
    phrase = models.CharField(_("phrase"), max_length=120)
    blocks = models.BooleanField(_("suppresses the tag"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tag_id", "phrase"]
        constraints = [models.UniqueConstraint(fields=["tag", "phrase", "blocks"], name="tag_phrase_unique")]

    def __str__(self) -> str:
        return f"{self.tag_id}:{self.phrase}"


class Competitor(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


class LabelledExample(models.Model):
    """A text with the tags it should get: shipped development data, examples ops add,
    and corrections; the statistical component trains on these."""

    class Origin(models.TextChoices):
        DEVSET = "devset", _("Development set")
        OPS = "ops", _("Added by operations")
        CORRECTION = "correction", _("Manager correction")

    text = models.TextField(_("text"))
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    speaker = models.CharField(_("speaker"), max_length=10, choices=Speaker.choices, default=Speaker.CUSTOMER)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.OPS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"example {self.pk} ({self.origin})"


class SignalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class Signal(models.Model):
    """One intent tag on one interaction, with the words that triggered it. ``customer``
    and ``opportunity`` repeat the interaction's so analytics filter without a join."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="signals")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="signals")
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.SET_NULL, null=True, blank=True, related_name="signals"
    )
    tag = models.CharField(_("tag"), max_length=40, db_index=True)
    confidence = models.DecimalField(_("confidence"), max_digits=4, decimal_places=3)
    span_start = models.PositiveIntegerField(default=0)
    span_end = models.PositiveIntegerField(default=0)
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    competitor = models.CharField(_("competitor"), max_length=80, blank=True)
    entities = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=SignalStatus.choices, default=SignalStatus.ACTIVE)
    manual = models.BooleanField(default=False)
    occurred_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [
            models.Index(fields=["opportunity", "tag"]),
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["tag", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.tag}@{self.interaction_id}"


class TagCorrection(models.Model):
    """A manager's verdict on a tag: the tagger was right, wrong, or missed it."""

    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", _("Correct")
        REJECTED = "rejected", _("Wrong")
        ADDED = "added", _("Missed")

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="tag_corrections")
    signal = models.ForeignKey(Signal, on_delete=models.SET_NULL, null=True, blank=True, related_name="corrections")
    tag = models.CharField(max_length=40, db_index=True)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.verdict} {self.tag}@{self.interaction_id}"


class TaggerModel(models.Model):
    """One training run of the statistical component: when, on how many examples, and
    its scores; the fitted model lives in ``artifact`` (a file under VAR_DIR)."""

    trained_at = models.DateTimeField(auto_now_add=True)
    example_count = models.PositiveIntegerField(default=0)
    scores = models.JSONField(default=dict, blank=True)
    artifact = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"model {self.pk} ({self.example_count} examples)"


class CaptureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    DISCARDED = "discarded", _("Discarded")


class CaptureDraft(models.Model):
    """A pasted chat snippet or quote with what was extracted from it, waiting for the
    rep to confirm it as an interaction or a lead."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capture_drafts")
    raw_text = models.TextField()
    extracted = models.JSONField(default=dict, blank=True)
    action = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=CaptureStatus.choices, default=CaptureStatus.PENDING)
    interaction = models.ForeignKey(Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"capture {self.pk} ({self.status})"

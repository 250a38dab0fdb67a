"""Customers, contacts, products, leads, opportunities and interactions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


class Channel(models.Model):
    """Customer type (渠道类型), configurable: hospital, private clinic, third-party lab …"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name


class CustomerTier(models.Model):
    """A configured customer grade (客户等级) such as A类; imports accept only these."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """The buying organisation. A customer with no ``first_purchase_date`` has never
    bought; revenue from a deal closed in the year of the first purchase is "new"."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    external_id = models.CharField(_("external id"), max_length=80, null=True, blank=True, unique=True)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="customers")
    tier = models.ForeignKey(CustomerTier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    region = models.ForeignKey(
        "accounts.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="customers"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="customers"
    )
    sector = models.CharField(_("sector"), max_length=80, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    first_purchase_date = models.DateField(_("first purchase date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["owner", "name"])]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a customer, reachable by phone, e-mail, WeChat or WeCom."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=80)
    title = models.CharField(_("title"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    wechat_id = models.CharField(_("WeChat id"), max_length=80, blank=True, db_index=True)
    wecom_external_userid = models.CharField(_("WeCom external user id"), max_length=80, blank=True, db_index=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class ProductLine(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    product_line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    series = models.CharField(_("series"), max_length=80, blank=True)
    list_price = models.DecimalField(_("list price"), null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


class Lead(models.Model):
    """An unqualified prospect. ``first_followup_at`` is the first outbound touch;
    ``last_activity_at`` the latest interaction of any kind."""

    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    source = models.CharField(_("source"), max_length=80, blank=True)
    external_id = models.CharField(_("external id"), max_length=80, null=True, blank=True, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="leads")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    status = models.CharField(_("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    first_followup_at = models.DateTimeField(_("first follow-up at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity at"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [models.Index(fields=["status", "last_activity_at"])]

    def __str__(self) -> str:
        return self.name


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class LossReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Lost to competitor")
    BUDGET = "budget", _("No budget")
    TIMING = "timing", _("Timing")
    NO_DECISION = "no_decision", _("No decision")
    PRODUCT_FIT = "product_fit", _("Product fit")
    OTHER = "other", _("Other")


class Opportunity(models.Model):
    """A potential deal. Its stage, status, ``closed_at`` and ``lost_at_stage`` are
    written only by the transition service, which also writes the stage intervals."""

    name = models.CharField(_("name"), max_length=200)
    external_id = models.CharField(_("external id"), max_length=80, null=True, blank=True, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="opportunities"
    )
    product_line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, null=True, blank=True, related_name="opportunities"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="opportunities")
    lead = models.ForeignKey(Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities")
    pipeline = models.ForeignKey("pipeline.Pipeline", on_delete=models.PROTECT, related_name="opportunities")
    stage = models.ForeignKey("pipeline.Stage", on_delete=models.PROTECT, related_name="opportunities")
    stage_entered_at = models.DateTimeField(_("in stage since"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="opportunities"
    )
    expected_amount = models.DecimalField(_("expected amount"), null=True, blank=True, **MONEY)
    won_amount = models.DecimalField(_("won amount"), null=True, blank=True, **MONEY)
    signed_date = models.DateField(_("signing date"), null=True, blank=True)
    decision_maker = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decision-maker contact"),
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    lost_at_stage = models.ForeignKey(
        "pipeline.Stage", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    loss_reason = models.CharField(_("loss reason"), max_length=16, choices=LossReason.choices, blank=True)
    loss_note = models.CharField(_("loss note"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Activity facts, kept by crm.services.refresh_activity_facts whenever interactions
    # are written, so analytics filter on them without scanning the interactions.
    last_interaction_at = models.DateTimeField(_("last interaction"), null=True, blank=True)
    last_action_type = models.CharField(_("last action"), max_length=16, blank=True)
    last_action_at = models.DateTimeField(_("last action at"), null=True, blank=True)
    interaction_count = models.PositiveIntegerField(_("interactions"), default=0)
    substantive_count = models.PositiveIntegerField(_("substantive interactions"), default=0)
    # Outbound interactions before closed_at (the follow-ups a closed deal received); 0
    # while the deal is open.
    followups_before_close = models.PositiveIntegerField(_("follow-ups before close"), default=0)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["pipeline", "stage"]),
            models.Index(fields=["status", "closed_at"]),
            models.Index(fields=["status", "stage", "stage_entered_at"]),
            models.Index(fields=["status", "last_interaction_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | ~Q(status="open"),
                name="open_opportunity_not_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InteractionChannel(models.TextChoices):
    WECOM = "wecom", _("WeCom")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone call")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    OTHER = "other", _("Other")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("From customer")
    OUTBOUND = "outbound", _("To customer")
    INTERNAL = "internal", _("Internal")


class ActionType(models.TextChoices):
    """What a rep's interaction did; several analytics filter on these."""

    NONE = "none", _("No action")
    MESSAGE = "message", _("Message")
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    DEMO_DONE = "demo_done", _("Demo done")
    PROPOSAL_SENT = "proposal_sent", _("Proposal sent")
    QUOTE_SENT = "quote_sent", _("Quote sent")
    SAMPLE_SENT = "sample_sent", _("Sample sent")
    CONTRACT_SENT = "contract_sent", _("Contract sent")
    APPOINTMENT = "appointment", _("Appointment made")
    SAMPLE_REQUESTED = "sample_requested", _("Sample requested")
    OBJECTION = "objection", _("Objection recorded")


class Interaction(models.Model):
    """One chat message, e-mail, call, meeting or visit. ``substantive`` marks an
    interaction that moved the deal forward, as opposed to a courtesy touch."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="interactions"
    )
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions")
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    lead = models.ForeignKey(Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    channel = models.CharField(_("channel"), max_length=12, choices=InteractionChannel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    text = models.TextField(_("text"), blank=True)
    action_type = models.CharField(_("action"), max_length=16, choices=ActionType.choices, default=ActionType.NONE)
    substantive = models.BooleanField(_("substantive"), default=False)
    external_id = models.CharField(_("external id"), max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["opportunity", "occurred_at"]),
            models.Index(fields=["owner", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel}@{self.occurred_at:%Y-%m-%d %H:%M}"

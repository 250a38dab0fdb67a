"""Users, their roles, and the region/team structure that data visibility follows."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A sales region (大区), e.g. 华东一区; directors see everything owned inside it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A sales team inside one region; its manager sees what its members own."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="teams")

    class Meta:
        ordering = ["code"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    MANAGER = "manager", _("Manager")
    DIRECTOR = "director", _("Director")
    OPS = "ops", _("Sales operations")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Administrator")


# Roles that see every record of the workspace.
WORKSPACE_WIDE_ROLES = frozenset({Role.OPS, Role.FINANCE, Role.ADMIN})


class User(AbstractUser):
    """A person who signs in. ``team`` and ``region`` decide what a rep, manager or
    director sees; ``region`` of a rep or manager is their team's region."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    external_id = models.CharField(_("external id"), max_length=80, blank=True, db_index=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in WORKSPACE_WIDE_ROLES

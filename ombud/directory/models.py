"""Who and where: regions (GB/T 2260), organizations, practitioners, staff and user roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An administrative division with its GB/T 2260 six-digit code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("prefecture-level city")
        COUNTY = "county", _("county or district")

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Organization(models.Model):
    """An insurer's head office or branch, a regulator bureau, or a mediation body."""

    class Kind(models.TextChoices):
        REGULATOR = "regulator", _("regulator")
        INSURER = "insurer", _("insurer")
        INTERMEDIARY = "intermediary", _("intermediary")
        MEDIATION = "mediation", _("mediation body")

    class CompanyType(models.TextChoices):
        PROPERTY_CASUALTY = "property_casualty", _("property and casualty")
        LIFE = "life", _("life and health")
        REINSURANCE = "reinsurance", _("reinsurance")
        GROUP = "group", _("group")
        OTHER = "other", _("other")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=128)
    short_name = models.CharField(_("short name"), max_length=32, blank=True)
    company_type = models.CharField(_("company type"), max_length=24, choices=CompanyType.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
        help_text=_("The organization this branch reports to; empty for a head office."),
    )
    # The legal entity (head office) of a branch; a head office points to itself. Kept so that
    # "every case of this company" is one indexed equality, however deep the branch tree.
    head_office = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="organization_kind_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        head_id = self.parent.head_office_id if self.parent_id and self.parent else self.pk
        if self.head_office_id != head_id:
            self.head_office_id = head_id
            Organization.objects.filter(pk=self.pk).update(head_office_id=head_id)


class Jurisdiction(models.Model):
    """A region a regulator bureau supervises (Guangdong bureau: 20 cities; Shenzhen: its own)."""

    regulator = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="jurisdictions",
        limit_choices_to={"kind": Organization.Kind.REGULATOR},
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("legal source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["regulator_id", "region_id"]
        constraints = [models.UniqueConstraint(fields=["regulator", "region"], name="jurisdiction_unique")]

    def __str__(self) -> str:
        return f"{self.regulator} → {self.region}"


class Practitioner(models.Model):
    """A salesperson or agent (保险从业人员) that a complaint can name."""

    name = models.CharField(_("name"), max_length=64)
    licence_no = models.CharField(_("licence number"), max_length=40, null=True, blank=True, unique=True)
    employer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="practitioners")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        ordering = ["employer_id", "name"]
        indexes = [models.Index(fields=["employer", "name"], name="practitioner_employer_name")]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    """A person working for an organization who can be rostered to a site; may have a login."""

    class Rank(models.TextChoices):
        HEAD = "head", _("head (一把手)")
        DEPUTY = "deputy", _("deputy")
        STAFF = "staff", _("staff")

    name = models.CharField(_("name"), max_length=64)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="staff")
    title = models.CharField(_("title"), max_length=64, blank=True)
    rank = models.CharField(_("rank"), max_length=8, choices=Rank.choices, default=Rank.STAFF)
    user = models.OneToOneField("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_profile")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization_id", "name"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.name

    @property
    def is_executive(self) -> bool:
        return self.rank in (self.Rank.HEAD, self.Rank.DEPUTY)


class User(AbstractUser):
    class Role(models.TextChoices):
        REGULATOR_ADMIN = "regulator_admin", _("regulator admin")
        REGULATOR_OFFICER = "regulator_officer", _("regulator officer")
        SITE_STAFF = "site_staff", _("site staff")
        COMPANY_HANDLER = "company_handler", _("company complaint handler")
        EXECUTIVE = "executive", _("company executive")

    role = models.CharField(_("role"), max_length=24, choices=Role.choices, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    # The one way to see every bureau's records (besides a Django superuser): a regulator admin
    # with this flag. A regulator account without a bureau and without it sees nothing.
    nationwide = models.BooleanField(
        _("nationwide"),
        default=False,
        help_text=_("A regulator admin who sees every bureau's records; ignored for every other role."),
    )
    # Not a column: set by directory/signals.py between a save's pre_save and post_save when
    # the save changes the password or deactivates the account (read with getattr).
    _ombud_revoke_tokens: bool

    # django-stubs declares no `AbstractUser.Meta`; Django has it (verbose names, swappable).
    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        ordering = ["username"]

    @property
    def effective_role(self) -> str:
        """A Django superuser acts as a regulator admin."""
        if self.is_superuser:
            return self.Role.REGULATOR_ADMIN
        return self.role

    @property
    def is_regulator(self) -> bool:
        """An active regulator with a bureau, or one who sees everything (directory/access.py)."""
        from ombud.directory.access import is_regulator

        return is_regulator(self)

    @property
    def is_company_user(self) -> bool:
        """An active company handler or executive of an organization (directory/access.py)."""
        from ombud.directory.access import is_company_user

        return is_company_user(self)


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return (
            f"{self.user_id}: {self.digest[:8]}… ({self.expires_at:%Y-%m-%d %H:%M})"
            if self.expires_at
            else f"{self.user_id}: {self.digest[:8]}…"
        )


class CacheGeneration(models.Model):
    """One row: the number that the per-process caches check (directory/generation.py). The
    database's triggers change it; nothing in Python writes it."""

    id = models.SmallIntegerField(primary_key=True)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("cache generation")
        verbose_name_plural = _("cache generations")

    def __str__(self) -> str:
        return str(self.value)

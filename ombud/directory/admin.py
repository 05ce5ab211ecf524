from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from ombud.directory.models import Jurisdiction, Organization, Practitioner, Region, Staff, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "role", "organization", "nationwide", "is_active")
    list_filter = ("role", "nationwide", "is_active", "is_superuser")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
    # A regulator account sees its bureau's jurisdiction; only a regulator admin with
    # `nationwide` (or a superuser) sees everything (directory/access.py).
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Ombud"), {"fields": ("role", "organization", "nationwide")}))


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


class JurisdictionInline(admin.TabularInline):
    model = Jurisdiction
    raw_id_fields = ("region",)
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "company_type", "parent", "region", "is_active")
    list_filter = ("kind", "company_type", "is_active")
    search_fields = ("name", "short_name")
    raw_id_fields = ("parent", "region")
    list_select_related = ("parent", "region")
    inlines = [JurisdictionInline]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ("name", "licence_no", "employer")
    search_fields = ("name", "licence_no")
    raw_id_fields = ("employer",)
    list_select_related = ("employer",)


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "title", "rank", "user")
    list_filter = ("rank",)
    search_fields = ("name",)
    raw_id_fields = ("organization", "user")
    list_select_related = ("organization", "user")

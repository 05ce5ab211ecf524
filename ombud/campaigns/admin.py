from django.contrib import admin

from ombud.campaigns.models import Campaign, Inspection, RosterEntry, Site, SiteOrganization


class SiteInline(admin.TabularInline):
    model = Site
    raw_id_fields = ("city",)
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_at", "ends_at", "region")
    raw_id_fields = ("region", "organizer", "created_by")
    inlines = [SiteInline]


class SiteOrganizationInline(admin.TabularInline):
    model = SiteOrganization
    raw_id_fields = ("organization",)
    extra = 0


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "campaign", "city", "address")
    list_filter = ("campaign",)
    raw_id_fields = ("campaign", "city")
    list_select_related = ("campaign", "city")
    inlines = [SiteOrganizationInline]


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ("staff", "organization", "site", "duty", "checked_in_at", "checked_out_at")
    list_filter = ("duty", "site__campaign")
    raw_id_fields = ("site", "staff", "organization", "checked_in_by", "checked_out_by")
    list_select_related = ("staff", "organization", "site")


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("site", "started_at", "ended_at", "officer", "led_by", "issues_found")
    list_filter = ("issues_found", "site__campaign")
    raw_id_fields = ("site", "officer")
    list_select_related = ("site", "officer")

"""Setting a campaign up through the services: campaigns, sites, finishing, and the roster
import with its row errors (docs/campaigns.md)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from ombud.audit.models import AuditEntry
from ombud.campaigns import rosterfile, services
from ombud.campaigns.models import Campaign, RosterEntry, Site, SiteOrganization
from ombud.campaigns.queries import access_site_for_intake, campaigns_to_set_up, filter_roster, roster_for
from ombud.campaigns.services import CampaignInput, SiteInput, finish_campaign, import_roster
from ombud.directory.models import Organization, Staff, User
from ombud.errors import Conflict, Forbidden, InvalidInput
from ombud.intake.services import VisitInput, record_visit
from ombud.testing import PASSWORD, SHENZHEN

pytestmark = pytest.mark.django_db

HEADER = ["接待点", "类型", "机构", "姓名", "职务", "级别", "登录账号"]
CHINA_LIFE_MM = "中国人寿保险股份有限公司茂名分公司"
PINGAN = "中国平安财产保险股份有限公司"
GD = "广东保监局"


def csv_file(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_file(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def new_staff(world):
    """A receptionist's login of the Guangdong bureau, not rostered anywhere yet."""
    return User.objects.create_user(
        username="site_gz01", password=PASSWORD, role="site_staff", organization=world.gd_bureau
    )


def good_rows(site="茂名市文化广场"):
    return [
        [site, "参与机构", PINGAN, "", "", "", ""],
        [site, "高管", CHINA_LIFE_MM, "张伟", "总经理", "一把手", ""],
        [site, "接访人员", GD, "李娜", "科员", "", "site_gz01"],
    ]


# ---- campaigns ---------------------------------------------------------------------------------


def _input(region="440000", **kw) -> CampaignInput:
    start = timezone.now() + timedelta(days=1)
    data = {"name": "  广东金融消费者权益保护宣传周 ", "starts_at": start, "ends_at": start + timedelta(hours=8)}
    data.update(kw)
    return CampaignInput(region_code=region, **data)


def test_an_officer_creates_a_campaign_over_the_region_the_bureau_holds_audited(world):
    campaign = services.create_campaign(world.officer, _input())
    assert campaign.name == "广东金融消费者权益保护宣传周"
    assert campaign.organizer == world.gd_bureau
    assert campaign.status == "upcoming" and not campaign.is_live
    entry = AuditEntry.objects.get(action="campaign.create")
    assert (entry.actor_id, entry.object_id, entry.data["region"]) == (world.officer.pk, str(campaign.pk), "440000")


@pytest.mark.parametrize("persona", ["sz_officer", "staff_mm", "handler_a", "nobody", "officer_no_bureau"])
def test_nobody_else_creates_a_guangdong_campaign(world, persona):
    with pytest.raises(Forbidden):
        services.create_campaign(getattr(world, persona), _input())
    assert Campaign.objects.count() == 1


def test_shenzhen_runs_its_own_campaign(world):
    assert services.create_campaign(world.sz_officer, _input(region=SHENZHEN)).region_id == SHENZHEN


def test_update_changes_name_and_dates_but_never_the_region(world):
    campaign = services.create_campaign(world.officer, _input())
    later = campaign.starts_at + timedelta(days=2)
    services.update_campaign(
        world.officer, campaign, _input(name="改名", starts_at=later, ends_at=later + timedelta(hours=1))
    )
    campaign.refresh_from_db()
    assert (campaign.name, campaign.starts_at) == ("改名", later)
    with pytest.raises(InvalidInput) as e:
        services.update_campaign(world.officer, campaign, _input(region="440900"))
    assert "region_code" in e.value.fields
    with pytest.raises(InvalidInput) as e:
        services.update_campaign(world.officer, campaign, _input(ends_at=later - timedelta(days=9)))
    assert "ends_at" in e.value.fields
    with pytest.raises(Forbidden):
        services.update_campaign(world.sz_officer, campaign, _input(name="深圳改"))
    assert AuditEntry.objects.filter(action="campaign.update").count() == 1


def test_finishing_a_running_campaign_ends_it_now_and_it_is_no_longer_live(world):
    campaign = world.campaign
    assert campaign.is_live
    now = timezone.now()
    finish_campaign(world.officer, campaign, now=now)
    campaign.refresh_from_db()
    assert campaign.ends_at == now
    assert campaign.is_finished and not campaign.is_live and campaign.status == "finished"
    assert AuditEntry.objects.filter(action="campaign.finish").count() == 1
    finish_campaign(world.officer, campaign)  # again: nothing changes
    assert AuditEntry.objects.filter(action="campaign.finish").count() == 1
    # no visit is recorded at its sites any more
    with pytest.raises(InvalidInput):
        record_visit(
            world.staff_mm,
            VisitInput(kind="consultation", visitor_name="孙某", summary="咨询", site_id=world.site_mm.pk),
        )


def test_a_campaign_not_started_is_not_finished_and_others_may_not_finish(world):
    campaign = services.create_campaign(world.officer, _input())
    with pytest.raises(Conflict):
        finish_campaign(world.officer, campaign)
    with pytest.raises(Forbidden):
        finish_campaign(world.sz_officer, world.campaign)
    with pytest.raises(Forbidden):
        finish_campaign(world.staff_mm, world.campaign)


def test_campaigns_to_set_up_are_the_bureaus_own(world):
    sz = services.create_campaign(world.sz_officer, _input(region=SHENZHEN))
    assert list(campaigns_to_set_up(world.officer)) == [world.campaign]
    assert list(campaigns_to_set_up(world.sz_officer)) == [sz]
    assert set(campaigns_to_set_up(world.admin)) == {world.campaign, sz}
    with pytest.raises(Forbidden):
        campaigns_to_set_up(world.handler_a)


# ---- sites -------------------------------------------------------------------------------------


def test_an_officer_adds_sites_per_city_audited(world):
    site = services.add_site(
        world.officer, world.campaign, SiteInput(city_code="440600", name="佛山接待点", address="禅城区")
    )
    assert (site.city_id, site.address) == ("440600", "禅城区")
    assert AuditEntry.objects.filter(action="campaign.site_add", object_id=str(site.pk)).exists()


def test_shenzhen_adds_no_site_to_the_guangdong_campaign_even_in_shenzhen(world):
    with pytest.raises(Forbidden):
        services.add_site(world.sz_officer, world.campaign, SiteInput(city_code=SHENZHEN, name="深圳"))
    with pytest.raises(Forbidden):  # and Guangdong none in Shenzhen
        services.add_site(world.officer, world.campaign, SiteInput(city_code=SHENZHEN, name="深圳"))
    assert not Site.objects.filter(city_id=SHENZHEN).exists()


def test_the_same_site_sent_twice_at_once_is_added_once_and_the_second_is_a_field_error(world, monkeypatch):
    create = Site.objects.create

    def the_other_request_inserts_first(**fields):
        create(**fields)  # the double click's twin passed the name check too, and committed first
        return create(**fields)

    monkeypatch.setattr(Site.objects, "create", the_other_request_inserts_first)
    with pytest.raises(InvalidInput) as e:
        services.add_site(world.officer, world.campaign, SiteInput(city_code="440600", name="佛山接待点"))
    assert "name" in e.value.fields  # a field error, not a database error (a 500)
    monkeypatch.undo()
    # The twin's row was written inside this test's transaction and rolled back with the refused
    # call; nothing of the refused call is left, and the database answers (the transaction goes on).
    assert not AuditEntry.objects.filter(action="campaign.site_add").exists()
    assert Site.objects.filter(campaign=world.campaign).count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (SiteInput(city_code="999999", name="x"), "city_code"),
        (SiteInput(city_code="440000", name="x"), "city_code"),
        (SiteInput(city_code="110100", name="x"), "city_code"),
        (SiteInput(city_code="440600", name=" "), "name"),
        (SiteInput(city_code="440600", name="茂名市文化广场"), "name"),
        (SiteInput(city_code="440600", name="x" * 201), "name"),
        (SiteInput(city_code="440600", name="x", address="y" * 301), "address"),
    ],
)
def test_bad_sites_name_the_field(world, data, field):
    with pytest.raises(InvalidInput) as e:
        services.add_site(world.officer, world.campaign, data)
    assert field in e.value.fields
    assert Site.objects.count() == 2


# ---- roster import -----------------------------------------------------------------------------


def test_a_roster_imports_companies_executives_and_staff_who_then_record_visits(world, new_staff):
    site = services.add_site(world.officer, world.campaign, SiteInput(city_code="440900", name="茂名第二接待点"))
    result = import_roster(world.officer, world.campaign, csv_file(good_rows(site.name)), filename="roster.csv")
    assert not result.errors
    assert (result.rows, result.people_added, result.companies_added, result.unchanged) == (3, 2, 2, 0)
    entries = {e.staff.name: e for e in RosterEntry.objects.filter(site=site).select_related("staff")}
    assert entries["张伟"].duty == "executive" and entries["张伟"].staff.rank == "head"
    assert entries["张伟"].organization.name == CHINA_LIFE_MM
    assert entries["李娜"].duty == "reception" and entries["李娜"].staff.user == new_staff
    # the executive's company takes part (implied), and the company row's too
    assert SiteOrganization.objects.filter(site=site, organization__name=CHINA_LIFE_MM).exists()
    assert SiteOrganization.objects.filter(site=site, organization__name=PINGAN).exists()
    # the new receptionist records visits at the site, and only there
    assert access_site_for_intake(new_staff, site.pk) == site
    visit = record_visit(
        new_staff, VisitInput(kind="consultation", visitor_name="孙某", summary="咨询退保", site_id=site.pk)
    )
    assert visit.visit.site_id == site.pk
    with pytest.raises(Forbidden):
        access_site_for_intake(new_staff, world.site_mm.pk)
    entry = AuditEntry.objects.get(action="campaign.roster_import")
    assert entry.data["people_added"] == 2 and entry.data["rejected_rows"] == 0


def test_an_xlsx_roster_for_one_site_may_leave_the_site_empty(world, new_staff):
    rows = [["", *r[1:]] for r in good_rows()]
    result = import_roster(world.officer, world.site_mm, xlsx_file(rows), filename="roster.xlsx")
    assert not result.errors and result.people_added == 2
    other = [["广州接待点", *good_rows()[1][1:]]]
    result = import_roster(world.officer, world.site_mm, xlsx_file(other))
    assert [(e.row, e.column) for e in result.errors] == [(2, "接待点")]


def test_importing_the_same_file_again_adds_nothing_twice(world, new_staff):
    data = csv_file(good_rows())
    import_roster(world.officer, world.campaign, data)
    counts = (RosterEntry.objects.count(), Staff.objects.count(), SiteOrganization.objects.count())
    again = import_roster(world.officer, world.campaign, data)
    assert not again.errors
    assert (again.people_added, again.companies_added, again.unchanged) == (0, 0, 3)
    assert (RosterEntry.objects.count(), Staff.objects.count(), SiteOrganization.objects.count()) == counts


def test_a_changed_duty_is_updated_on_reimport(world, new_staff):
    import_roster(world.officer, world.campaign, csv_file(good_rows()))
    changed = [["茂名市文化广场", "协调员", GD, "李娜", "", "", "site_gz01"]]
    result = import_roster(world.officer, world.campaign, csv_file(changed))
    assert result.duties_changed == 1
    assert RosterEntry.objects.get(staff__user=new_staff).duty == "coordinator"


def test_existing_directory_people_are_rostered_not_copied(world):
    # 高管乙 of China Life Maoming exists (make_world); Guangzhou gets the same person
    site = services.add_site(world.officer, world.campaign, SiteInput(city_code="440900", name="茂名第二接待点"))
    rows = [[site.name, "高管", CHINA_LIFE_MM, "高管乙", "", "", ""]]
    before = Staff.objects.count()
    result = import_roster(world.officer, world.campaign, csv_file(rows))
    assert not result.errors and result.people_added == 1
    assert Staff.objects.count() == before


# Each bad row, with the column it is reported on (the header as written) and a piece of the reason.
BAD_ROWS = [
    (["深圳福田", "接访人员", GD, "王五", "", "", ""], "接待点", "not a site of this campaign"),
    (["", "接访人员", GD, "王五", "", "", ""], "接待点", "Name the site"),
    (["茂名市文化广场", "", GD, "王五", "", "", ""], "类型", "Say what the row is"),
    (["茂名市文化广场", "保安", GD, "王五", "", "", ""], "类型", "Unknown kind"),
    (["茂名市文化广场", "接访人员", "不存在的保险公司", "王五", "", "", ""], "机构", "Unknown organization"),
    (["茂名市文化广场", "接访人员", "", "王五", "", "", ""], "机构", "Name the organization"),
    (["茂名市文化广场", "接访人员", GD, "", "", "", ""], "姓名", "Give the person's name"),
    (["茂名市文化广场", "接访人员", GD, "王" * 65, "", "", ""], "姓名", "At most 64"),
    (["茂名市文化广场", "接访人员", GD, "王五", "职" * 65, "", ""], "职务", "At most 64"),
    (["茂名市文化广场", "高管", CHINA_LIFE_MM, "王五", "", "专员", ""], "级别", "Unknown rank"),
    (["茂名市文化广场", "高管", CHINA_LIFE_MM, "王五", "", "工作人员", ""], "级别", "head"),
    (["茂名市文化广场", "高管", GD, "王五", "", "一把手", ""], "类型", "not the regulator"),
    (["茂名市文化广场", "接访人员", GD, "王五", "", "", "nosuchlogin"], "登录账号", "Unknown account"),
    (["茂名市文化广场", "接访人员", GD, "王五", "", "", "handler_a"], "登录账号", "another organization"),
    (["茂名市文化广场", "接访人员", GD, "王五", "", "", "staff_mm"], "登录账号", "another person"),
    (["茂名市文化广场", "接访人员", GD, "王五", "", "", "officer"], "", ""),  # an officer may receive: fine
    (["广州接待点", "接访人员", CHINA_LIFE_MM, "王五", "", "", ""], "机构", "not in the site's city"),
    (["茂名市文化广场", "参与机构", PINGAN, "王五", "", "", ""], "姓名", "names no person"),
    (["茂名市文化广场", "参与机构", PINGAN, "", "", "", ""], "", "same as row 2"),  # row 2 is the same company
]


@pytest.mark.parametrize(("row", "column", "reason"), BAD_ROWS)
def test_every_bad_row_is_reported_with_its_number_and_nothing_of_it_stored(world, new_staff, row, column, reason):
    from django.utils import translation

    rows = [["茂名市文化广场", "参与机构", PINGAN, "", "", "", ""], row]
    before = (RosterEntry.objects.count(), Staff.objects.count())
    with translation.override("en"):
        result = import_roster(world.officer, world.campaign, csv_file(rows))
    if not reason:
        assert not result.errors
        return
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert reason in result.errors[0].message
    assert result.stored_rows == 1
    assert (RosterEntry.objects.count(), Staff.objects.count()) == before  # the good row is a company
    assert not Staff.objects.filter(name="王五").exists()


def test_a_wrong_role_for_the_row_is_refused(world, new_staff):
    executive = User.objects.create_user(username="exec_b", role="executive", organization=world.company_b)
    rows = [
        ["广州接待点", "高管", PINGAN, "钱总", "", "一把手", "exec_b"],  # fine
        ["茂名市文化广场", "接访人员", GD, "李娜", "", "", "site_gz01"],  # fine
        ["茂名市文化广场", "高管", GD, "周某", "", "一把手", "site_gz01"],  # site staff as an executive
    ]
    from django.utils import translation

    with translation.override("en"):
        result = import_roster(world.officer, world.campaign, csv_file(rows))
    assert [(e.row, e.column) for e in result.errors] == [(4, "登录账号")]
    assert "role" in result.errors[0].message
    assert RosterEntry.objects.filter(staff__user=executive, duty="executive").exists()


def test_the_same_person_twice_on_a_site_is_a_duplicate_row(world, new_staff):
    rows = [good_rows()[2], good_rows()[2], ["广州接待点", *good_rows()[2][1:]]]
    result = import_roster(world.officer, world.campaign, csv_file(rows))
    assert [(e.row, e.message) for e in result.errors] == [(3, "与第 2 行相同。")] or [
        e.row for e in result.errors
    ] == [3]
    # one person, rostered at two sites
    assert Staff.objects.filter(user=new_staff).count() == 1
    assert RosterEntry.objects.filter(staff__user=new_staff).count() == 2


@pytest.mark.parametrize("persona", ["sz_officer", "staff_mm", "handler_a", "handler_b", "nobody", "officer_no_bureau"])
def test_only_the_bureau_holding_the_region_imports(world, new_staff, persona):
    with pytest.raises(Forbidden):
        import_roster(getattr(world, persona), world.campaign, csv_file(good_rows()))
    assert not RosterEntry.objects.filter(staff__user=new_staff).exists()


def test_a_finished_campaign_takes_no_roster(world, new_staff):
    finish_campaign(world.officer, world.campaign)
    with pytest.raises(InvalidInput):
        import_roster(world.officer, world.campaign, csv_file(good_rows()))


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"", "a.csv"),
        (b"\xd0\xcf\x11\xe0rest", "a.xls"),
        (b"PK\x03\x04broken", "a.xlsx"),
        (b"not a workbook", "a.xlsx"),
        (csv_file([], header=["接待点", "类型", "机构"]), "a.csv"),  # no data rows
        (csv_file(good_rows(), header=["接待点", "类型", "机构", "姓名", "职务", "级别", "电话号码"]), "a.csv"),
        (csv_file([["x", "y"]], header=["接待点", "类型"]), "a.csv"),  # missing 机构
        (csv_file([["x", "接访人员", GD]], header=["类型", "机构", "姓名"]), "a.csv"),  # campaign file: no 接待点
        (b"\x00\x01\x02binary", "a.csv"),
        (b"x" * (rosterfile.MAX_FILE_BYTES + 1), "a.csv"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(world, data, name):
    before = AuditEntry.objects.count()
    with pytest.raises(rosterfile.FileRejected):
        import_roster(world.officer, world.campaign, data, filename=name)
    assert AuditEntry.objects.count() == before


def test_gb18030_csv_as_excel_saves_it(world, new_staff):
    text = "\n".join(",".join(r) for r in [HEADER, *good_rows()])
    result = import_roster(world.officer, world.campaign, text.encode("gb18030"))
    assert not result.errors and result.people_added == 2


def test_the_template_has_the_header_and_the_campaigns_sites(world):
    wb = load_workbook(io.BytesIO(rosterfile.template_workbook(["茂名市文化广场", "广州接待点"])))
    assert [c.value for c in wb["名单"][1]] == HEADER
    assert wb["名单"].max_row == 1  # examples sit on the notes sheet, never imported
    notes = [row[0] for row in wb["说明"].iter_rows(values_only=True)]
    assert "茂名市文化广场" in notes and "广州接待点" in notes


def test_the_template_itself_imports_as_a_header_without_rows(world):
    with pytest.raises(rosterfile.FileRejected):
        import_roster(world.officer, world.campaign, rosterfile.template_workbook(["茂名市文化广场"]))


def test_one_roster_filter_for_api_and_page(world):
    qs = RosterEntry.objects.filter(site=world.site_mm)
    assert [e.staff.name for e in filter_roster(qs, duty="executive")] == ["高管乙"]
    assert [e.staff.name for e in filter_roster(qs, name="接访")] == ["接访员甲"]
    assert filter_roster(qs, present=True).count() == 0
    with pytest.raises(InvalidInput):
        filter_roster(qs, duty="boss")
    api = roster_for(world.officer, world.campaign, site_id=world.site_mm.pk, duty="executive")
    assert list(api) == list(filter_roster(qs, duty="executive"))


def test_a_short_name_shared_by_two_organizations_is_ambiguous(world):
    Organization.objects.create(kind="intermediary", name="另一家公司", short_name="平安财险")
    rows = [["茂名市文化广场", "参与机构", "平安财险", "", "", "", ""]]
    result = import_roster(world.officer, world.campaign, csv_file(rows))
    assert [(e.row, e.column) for e in result.errors] == [(2, "机构")]

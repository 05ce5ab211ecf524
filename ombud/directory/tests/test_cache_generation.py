"""The per-process caches of the API (token, site, company) and the one number that keeps them
honest: the cache generation, bumped by the database's triggers in the same transaction as any
change to what they hold (directory/generation.py). Each test caches something, changes it by
some path (a service, a signal, a queryset `.update()` that sends none), and sees the very next
request answer from the database."""

from datetime import timedelta

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ombud.campaigns.models import Campaign, RosterEntry, Site
from ombud.directory import generation
from ombud.directory.models import ApiToken, CacheGeneration, Organization, Staff, User
from ombud.testing import PASSWORD, complaint

pytestmark = pytest.mark.django_db


def _token(username: str = "officer") -> str:
    r = Client().post(
        "/api/v1/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    return r.json()["token"]


def _get(token: str) -> tuple[int, list[str]]:
    """(status of GET /api/v1/campaigns, the SQL it ran)."""
    with CaptureQueriesContext(connection) as ctx:
        status = Client().get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {token}").status_code
    return status, [q["sql"] for q in ctx.captured_queries]


def _reads_the_token(sqls: list[str]) -> bool:
    return any("directory_apitoken" in sql for sql in sqls)


def _cached(token: str) -> None:
    """Use the token twice: the second request finds it in the cache."""
    assert _get(token)[0] == 200
    status, sqls = _get(token)
    assert status == 200 and not _reads_the_token(sqls), sqls


def test_the_generation_moves_with_updates_and_deletes_of_watched_tables_only(world):
    def changed(action) -> bool:
        before = generation.read()
        action()
        return generation.read() != before

    assert isinstance(generation.read(), int)
    org = Organization.objects.create(kind="insurer", name="新公司")  # (its save sets head_office: an update)
    # An insert: nothing cached can be contradicted by it.
    assert not changed(lambda: Site.objects.create(campaign=world.campaign, city_id="440100", name="新点"))
    assert changed(lambda: Organization.objects.filter(pk=org.pk).update(short_name="新"))
    assert changed(lambda: Site.objects.filter(name="新点").delete())
    assert changed(lambda: world.site_mm.save())
    assert changed(lambda: Campaign.objects.filter(pk=world.campaign.pk).update(name="改名"))
    assert changed(lambda: User.objects.filter(pk=world.nobody.pk).update(first_name="无"))
    world.api(world.officer)  # a token
    assert changed(lambda: ApiToken.objects.all().delete())
    entry = RosterEntry.objects.filter(site=world.site_mm).first()
    # Checking in and out is not about who may record where: it keeps the caches.
    assert not changed(lambda: RosterEntry.objects.filter(pk=entry.pk).update(checked_in_at=timezone.now()))
    assert changed(lambda: RosterEntry.objects.filter(pk=entry.pk).update(site=world.site_gz))
    # A table nobody caches (the visits).
    assert not changed(lambda: world.api(world.staff_mm).post("/api/v1/visits", complaint(world)))
    assert "ombud_cachegen_directory_apitoken" in {
        n.removesuffix("_u").removesuffix("_d") for n in generation.installed_triggers()
    }


@pytest.mark.parametrize(
    "revoke",
    [
        "delete",
        "logout",
        "password_change",
        "deactivation_by_update",
        "expiry_by_update",
        "token_deleted_by_sql",
    ],
)
def test_a_cached_token_is_refused_by_the_next_request_after_any_revocation(world, revoke):
    token = _token()
    _cached(token)
    user = User.objects.get(pk=world.officer.pk)
    if revoke == "delete":
        assert Client().delete("/api/v1/auth/token", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 204
    elif revoke == "logout":
        page = Client()
        page.force_login(user)
        assert page.post("/accounts/logout/").status_code == 302
    elif revoke == "password_change":
        form = SetPasswordForm(
            user, {"new_password1": "a new long passphrase 9", "new_password2": "a new long passphrase 9"}
        )
        assert form.is_valid(), form.errors
        form.save()
    elif revoke == "deactivation_by_update":
        # No signal is sent, so the token row stays; the cache must not keep the user active.
        User.objects.filter(pk=user.pk).update(is_active=False)
    elif revoke == "expiry_by_update":
        ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        with connection.cursor() as cur:
            cur.execute("DELETE FROM directory_apitoken")
    status, sqls = _get(token)
    assert status == 401 and _reads_the_token(sqls)


def test_a_cached_token_expires_by_itself(world):
    from ombud.directory.services import _tokens

    token = _token()
    _cached(token)
    digest = ApiToken.objects.get(user=world.officer).digest
    # The expiry is cached with the token: the cached entry stops at it without asking, as if
    # the clock had reached it.
    key = generation.read()
    user, _expires = _tokens.get(digest, key)
    _tokens.put(digest, (user, timezone.now() - timedelta(seconds=1)), key)
    status, sqls = _get(token)
    assert status == 401 and not _reads_the_token(sqls)


def test_a_changed_role_is_seen_at_once(world):
    api = world.api(world.staff_mm)
    assert api.post("/api/v1/visits", complaint(world)).status_code == 201
    assert api.post("/api/v1/visits", complaint(world)).status_code == 201  # token and site cached
    User.objects.filter(pk=world.staff_mm.pk).update(role="")  # no role: may do nothing
    assert api.post("/api/v1/visits", complaint(world)).status_code == 403


def test_requests_get_their_own_copy_of_the_user(world):
    from ombud.directory.services import user_for_token

    token = _token()
    key = generation.read()
    first = user_for_token(token, generation=key)
    first.first_name = "改过"
    first.organization.name = "改过"
    second = user_for_token(token, generation=key)
    assert second is not first and second.first_name != "改过" and second.organization.name == "广东保监局"


def test_without_a_generation_nothing_is_cached(world):
    from ombud.directory.services import _tokens, user_for_token

    token = _token()
    assert user_for_token(token) is not None
    assert len(_tokens) == 0


def test_the_site_cache_follows_the_campaign_the_roster_and_the_staff(world):
    api = world.api(world.staff_mm)
    assert api.post("/api/v1/visits", complaint(world)).status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        assert (
            api.post(
                "/api/v1/visits", complaint(world, kind="consultation", outcome=None, practitioner=None)
            ).status_code
            == 201
        )
    assert not any("campaigns_site" in q["sql"] for q in ctx.captured_queries)

    Campaign.objects.filter(pk=world.campaign.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    r = api.post("/api/v1/visits", complaint(world))
    assert r.status_code == 400 and "site_id" in r.json()["error"]["fields"]
    Campaign.objects.filter(pk=world.campaign.pk).update(ends_at=timezone.now() + timedelta(hours=2))
    assert api.post("/api/v1/visits", complaint(world)).status_code == 201

    # Taken off the roster (a delete), or the login moved to another person (an update).
    RosterEntry.objects.filter(site=world.site_mm, staff__user=world.staff_mm).delete()
    assert api.post("/api/v1/visits", complaint(world)).status_code == 403
    other = Staff.objects.create(name="接访员丙", organization=world.gd_bureau)
    RosterEntry.objects.create(site=world.site_mm, staff=other, organization=world.gd_bureau)
    Staff.objects.filter(user=world.staff_mm).update(user=None)
    Staff.objects.filter(pk=other.pk).update(user=world.staff_mm)
    assert api.post("/api/v1/visits", complaint(world)).status_code == 201
    Staff.objects.filter(pk=other.pk).update(user=None)
    assert api.post("/api/v1/visits", complaint(world)).status_code == 403


def test_the_site_cache_follows_the_bureaus_jurisdiction(world):
    api = world.api(world.officer)
    assert api.post("/api/v1/visits", complaint(world)).status_code == 201
    assert api.post("/api/v1/visits", complaint(world)).status_code == 201
    world.gd_bureau.jurisdictions.all().delete()
    assert api.post("/api/v1/visits", complaint(world)).status_code == 403


def test_the_site_is_cached_per_user(world):
    assert world.api(world.staff_mm).post("/api/v1/visits", complaint(world)).status_code == 201
    # Allowed for one user is not allowed for another.
    assert world.api(world.sz_officer).post("/api/v1/visits", complaint(world)).status_code == 403


def test_the_company_cache_follows_the_company(world):
    api = world.api(world.staff_mm)
    assert api.post("/api/v1/visits", complaint(world)).status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        assert api.post("/api/v1/visits", complaint(world)).status_code == 201
    assert not any('FROM "directory_organization"' in q["sql"] for q in ctx.captured_queries)
    Organization.objects.filter(pk=world.company_a_maoming.pk).update(kind="regulator")
    r = api.post("/api/v1/visits", complaint(world))
    assert r.status_code == 400 and "company_id" in r.json()["error"]["fields"]


def test_a_missing_trigger_turns_caching_off_until_the_next_migrate(world, caplog):
    assert generation.read() is not None
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("DROP TRIGGER ombud_cachegen_directory_apitoken ON directory_apitoken")
        else:
            cur.execute("DROP TRIGGER ombud_cachegen_directory_apitoken_d")
    generation._checked.clear()  # what a new process would find
    assert generation.read() is None
    assert "caching is off" in caplog.text
    token = _token()
    assert _get(token)[0] == 200
    status, sqls = _get(token)
    assert status == 200 and _reads_the_token(sqls)  # asked every time
    assert generation.install() > 0
    assert generation.read() is not None


def test_without_the_row_nothing_is_cached(world):
    CacheGeneration.objects.all().delete()
    assert generation.read() is None
    token = _token()
    assert _get(token)[0] == 200
    assert _reads_the_token(_get(token)[1])
    generation.install()
    assert generation.read() is not None


def test_site_objects_handed_out_are_copies(world):
    from ombud.intake.services import VisitRecorder

    key = generation.read()
    first = VisitRecorder(world.staff_mm, cache_generation=key)._site(world.site_mm.pk)
    first.name = "改过"
    second = VisitRecorder(world.staff_mm, cache_generation=key)._site(world.site_mm.pk)
    assert second is not first and second.name == Site.objects.get(pk=world.site_mm.pk).name


@pytest.mark.django_db(transaction=True)
def test_the_read_is_the_health_check_and_reopens_a_dead_connection(world):
    """As CONN_HEALTH_CHECKS does: a persistent connection that died while idle (a database
    restart, an idle timeout) is replaced before the request's first query, not a 503."""
    if connection.vendor != "postgresql":
        pytest.skip("a connection is killed from another backend (PostgreSQL)")
    import psycopg

    assert generation.read() is not None
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.health_check_enabled = True  # as a request with CONN_HEALTH_CHECKS starts
    connection.health_check_done = False
    assert generation.read() is not None
    assert connection.connection.info.backend_pid != pid
    # Without the check (inside a request that already queried), the error is the request's.
    pid = connection.connection.info.backend_pid
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    from django.db import OperationalError

    with pytest.raises(OperationalError):
        generation.read()
    connection.close()

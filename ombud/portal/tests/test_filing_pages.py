"""The filing page /file/: phone → SMS code → form → receipt shown once (docs/portal.md)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ombud.cases import notify_backends
from ombud.cases.models import Case
from ombud.intake.models import Visit
from ombud.portal.models import OnlineFiling
from ombud.testing import MAOMING

pytestmark = pytest.mark.django_db
FILE, DONE = reverse("portal:file"), reverse("portal:file_done")
PHONE = "13800138000"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.OMBUD_SMS_BACKEND = "memory"
    notify_backends.outbox.clear()
    yield
    notify_backends.outbox.clear()


def verified(client: Client, phone: str = PHONE) -> Client:
    r = client.post(FILE + "?kind=complaint", {"step": "phone", "phone": phone, "kind": "complaint"})
    assert r.status_code == 302 and "code=1" in r.url
    code = re.search(r"\b(\d{6})\b", notify_backends.outbox[-1].body).group(1)
    r = client.post(FILE, {"step": "code", "otp": code, "kind": "complaint"})
    assert r.status_code == 302, r.content
    return client


def form(world, **extra) -> dict:
    data = {
        "step": "file",
        "kind": "complaint",
        "filed_as": "self",
        "name": "王小明",
        "company": world.company_a_maoming.name,
        "company_id": str(world.company_a_maoming.pk),
        "city": MAOMING,
        "summary": "理赔超过三十日仍未赔付。",
        "request": "按合同赔付。",
        "consent": "on",
        "website": "",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def test_the_three_steps_and_a_receipt_shown_once(world, django_capture_on_commit_callbacks):
    c = Client()
    r = c.get(FILE + "?kind=complaint")
    assert r.status_code == 200 and 'name="phone"' in r.content.decode()
    verified(c)
    r = c.get(FILE + "?kind=complaint")
    html = r.content.decode()
    assert 'name="summary"' in html and 'value="complaint"' in html and "138****8000" in html
    assert 'class="filing-trap" aria-hidden="true"' in html and "<script>" not in html
    evidence = SimpleUploadedFile("保单.png", PNG, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(FILE + "?kind=complaint", {**form(world, category="退保"), "evidence": [evidence]})
    assert r.status_code == 302 and r.url == DONE, r.context["form"].errors
    visit = Visit.objects.get()
    r = c.get(DONE)
    html = r.content.decode()
    assert visit.secret_code in html and visit.tracking_no[:6] in html and "data-print" in html
    assert visit.case.attachments.count() == 1 and visit.case.category == "退保"
    # once: a reload shows no number
    html = c.get(DONE).content.decode()
    assert visit.secret_code not in html and visit.tracking_no[:6] not in html
    # nor another browser
    assert visit.secret_code not in Client().get(DONE).content.decode()


def test_wrong_code_and_form_errors_keep_nothing(world):
    c = Client()
    c.post(FILE, {"step": "phone", "phone": PHONE, "kind": "complaint"})
    r = c.post(FILE, {"step": "code", "otp": "000000" if "000000" not in notify_backends.outbox[-1].body else "111111"})
    assert r.status_code == 400 and "otp" in r.context["form"].errors
    # not verified: the form step is refused (shows the code step again)
    r = c.post(FILE, form(world))
    assert Visit.objects.count() == 0
    c2 = verified(Client(), "13900139000")
    r = c2.post(FILE, form(world, company="人寿", company_id=""))  # typed, not picked
    assert r.status_code == 400 and "company" in r.context["form"].errors
    r = c2.post(FILE, form(world, summary="", consent=None, request=""))
    errors = r.context["form"].errors
    assert r.status_code == 400 and {"summary", "consent", "request"} <= set(errors)
    assert (Visit.objects.count(), Case.objects.count(), OnlineFiling.objects.count()) == (0, 0, 0)


def test_group_of_six_is_refused_naming_the_field(world):
    c = verified(Client())
    r = c.post(FILE, form(world, filed_as="group", representatives="甲\n乙\n丙\n丁\n戊\n己"))
    assert r.status_code == 400 and "representatives" in r.context["form"].errors
    r = c.post(FILE, form(world, filed_as="group", representatives="甲\n乙\n丙\n丁\n戊"))
    assert r.status_code == 302


def test_agent_must_upload_the_authorisation(world):
    c = verified(Client())
    r = c.post(FILE, form(world, filed_as="agent", principal_name="张三"))
    assert r.status_code == 400 and "authorisation" in r.context["form"].errors
    auth = SimpleUploadedFile("委托书.png", PNG, content_type="image/png")
    r = c.post(FILE, {**form(world, filed_as="agent", principal_name="张三"), "authorisation": auth})
    assert r.status_code == 302 and OnlineFiling.objects.get().authorisation is not None


def test_honeypot_refused_quietly(world):
    c = verified(Client())
    r = c.post(FILE, form(world, website="http://spam.example"))
    assert r.status_code == 302 and Visit.objects.count() == 0
    assert "谢谢" in c.get(DONE).content.decode() or c.get(DONE).status_code == 200


def test_a_suggestion_needs_no_company(world):
    c = verified(Client())
    r = c.post(FILE, form(world, kind="suggestion", company="", company_id="", request=""))
    assert r.status_code == 302 and Visit.objects.get().kind == "suggestion"


def test_dev_sms_page_only_with_console_or_file(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.OMBUD_SMS_BACKEND = "memory"
    assert Client().get("/dev/sms/").status_code == 404
    settings.OMBUD_SMS_BACKEND = "gateway"
    assert Client().get("/dev/sms/").status_code == 404
    settings.OMBUD_SMS_BACKEND = "file"
    c = Client()
    c.post(FILE, {"step": "phone", "phone": PHONE, "kind": "complaint"})
    lines = (tmp_path / "sms-outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and PHONE in lines[0]
    html = c.get("/dev/sms/").content.decode()
    assert "138****8000" in html and PHONE not in html and re.search(r"\b\d{6}\b", html)
    settings.OMBUD_SMS_BACKEND = "console"
    assert c.get("/dev/sms/").status_code == 200

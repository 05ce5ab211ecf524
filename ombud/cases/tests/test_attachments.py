"""Evidence attachments: type from the bytes, size and count caps, encryption at rest, the
timeline event, downloads only to those who may see the case, the page and the API."""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ombud.cases import attachments
from ombud.cases.models import Attachment, Case, CaseEvent
from ombud.cases.tests.test_workspace import make_case
from ombud.errors import Forbidden, InvalidInput, NotFound
from ombud.personal_data import decrypt_bytes, encrypt_bytes

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'
ZIP = b"PK\x03\x04" + b"\x00" * 60


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# ---- the service ---------------------------------------------------------------------------------


def test_a_pdf_is_stored_encrypted_with_its_digest_and_on_the_timeline(world):
    case = make_case(world)
    a = attachments.add_attachment(world.handler_a, case.pk, upload("保单.PDF", PDF))
    a.refresh_from_db()
    assert (a.filename, a.content_type, a.size) == ("保单.pdf", "application/pdf", len(PDF))
    assert a.sha256 == hashlib.sha256(PDF).hexdigest()
    stored = bytes(a.content)
    assert stored != PDF and PDF not in stored and b"%PDF" not in stored
    assert decrypt_bytes(stored) == PDF
    event = case.events.get(type=CaseEvent.Type.ATTACHED)
    assert event.data == {"attachment_id": a.pk, "filename": "保单.pdf"} and event.actor == world.handler_a


def test_the_type_comes_from_the_bytes_not_the_name(world):
    case = make_case(world)
    a = attachments.add_attachment(world.handler_a, case.pk, upload("policy.pdf", png_bytes(), "application/pdf"))
    assert (a.content_type, a.filename) == ("image/png", "policy.png")
    j = attachments.add_attachment(world.handler_a, case.pk, upload("photo.jpeg", JPEG, "text/plain"))
    assert (j.content_type, j.filename) == ("image/jpeg", "photo.jpeg")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", EXE),
        ("invoice.pdf", EXE),
        ("page.html", HTML),
        ("scan.pdf", HTML),
        ("logo.svg", SVG),
        ("letter.docx", ZIP),
        ("notes.pdf", "这不是PDF".encode()),
    ],
)
def test_anything_but_pdf_jpeg_png_is_refused(world, name, content):
    case = make_case(world)
    with pytest.raises(InvalidInput) as e:
        attachments.add_attachment(world.handler_a, case.pk, upload(name, content))
    assert "file" in e.value.fields
    assert not Attachment.objects.exists() and not case.events.filter(type=CaseEvent.Type.ATTACHED).exists()


def test_too_large_and_empty_files_are_refused(world):
    case = make_case(world)
    with pytest.raises(InvalidInput) as e:
        attachments.add_attachment(world.handler_a, case.pk, upload("big.pdf", PDF + b"\0" * attachments.MAX_BYTES))
    assert "file" in e.value.fields
    with pytest.raises(InvalidInput):
        attachments.add_attachment(world.handler_a, case.pk, upload("empty.pdf", b""))
    with pytest.raises(InvalidInput):
        attachments.add_attachment(world.handler_a, case.pk, None)
    exactly = PDF + b"\0" * (attachments.MAX_BYTES - len(PDF))
    assert (
        attachments.add_attachment(world.handler_a, case.pk, upload("max.pdf", exactly)).size == attachments.MAX_BYTES
    )
    assert Attachment.objects.count() == 1


def test_a_case_holds_a_bounded_number_of_files(world, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PER_CASE", 2)
    case = make_case(world)
    for i in range(2):
        attachments.add_attachment(world.handler_a, case.pk, upload(f"{i}.pdf", PDF))
    with pytest.raises(InvalidInput):
        attachments.add_attachment(world.handler_a, case.pk, upload("3.pdf", PDF))


def test_who_may_attach_and_download(world):
    case = make_case(world)
    a = attachments.add_attachment(world.officer, case.pk, upload("report.pdf", PDF))
    with pytest.raises(NotFound):
        attachments.add_attachment(world.handler_b, case.pk, upload("x.pdf", PDF))
    with pytest.raises(NotFound):
        attachments.access_attachment(world.handler_b, case.pk, a.pk)
    with pytest.raises(NotFound):
        attachments.add_attachment(world.sz_officer, case.pk, upload("x.pdf", PDF))
    # Site staff see the cases of their site but are no party to them.
    with pytest.raises(Forbidden):
        attachments.add_attachment(world.staff_mm, case.pk, upload("x.pdf", PDF))
    assert attachments.content_of(attachments.access_attachment(world.staff_mm, case.pk, a.pk)) == PDF
    # An attachment id of another case is not reachable through this one.
    other = make_case(world)
    with pytest.raises(NotFound):
        attachments.access_attachment(world.handler_a, other.pk, a.pk)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\保单 扫描件.pdf", "保单 扫描件.pdf"),
        ('a"b;c\r\nd<e>.PNG', "a_b_c_d_e.pdf"),
        ("...", "attachment.pdf"),
        ("", "attachment.pdf"),
        ("report", "report.pdf"),
        ("report.2024", "report.2024.pdf"),
        ("photo.JPG", "photo.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(name, expected):
    assert attachments.safe_filename(name, "pdf", ("pdf",)) == expected


def test_byte_encryption_is_authenticated():
    sealed = encrypt_bytes(b"evidence")
    assert sealed != encrypt_bytes(b"evidence")  # a fresh nonce each time
    assert decrypt_bytes(memoryview(sealed)) == b"evidence"
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        decrypt_bytes(tampered)
    with pytest.raises(ValueError):
        decrypt_bytes(b"plain")


# ---- the pages -----------------------------------------------------------------------------------


def test_upload_and_download_through_the_case_page(world):
    case = make_case(world)
    client = world.browser_client(world.handler_a)
    r = client.post(reverse("cases:upload", args=[case.pk]), {"file": upload("理赔通知书.pdf", PDF)})
    assert r.status_code == 302 and r.url.endswith("#attachments")
    a = Attachment.objects.get()
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    url = reverse("cases:download", args=[case.pk, a.pk])
    assert url in page and "理赔通知书.pdf" in page and 'data-event-type="attached"' in page

    d = client.get(url)
    assert d.status_code == 200 and d.content == PDF
    assert d["Content-Type"] == "application/pdf"
    assert d["Content-Disposition"].startswith("attachment;") and "filename*=utf-8''" in d["Content-Disposition"]
    assert d["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in d["Content-Security-Policy"]

    b = world.browser_client(world.handler_b)
    assert b.get(url).status_code == 404
    assert b.post(reverse("cases:upload", args=[case.pk]), {"file": upload("x.pdf", PDF)}).status_code == 404
    assert Attachment.objects.count() == 1


def test_a_refused_upload_is_shown_on_the_page(world):
    case = make_case(world)
    client = world.browser_client(world.handler_a)
    r = client.post(reverse("cases:upload", args=[case.pk]), {"file": upload("x.svg", SVG, "image/svg+xml")})
    assert r.status_code == 400 and 'id="upload-error"' in r.content.decode()
    r = client.post(reverse("cases:upload", args=[case.pk]), {})
    assert r.status_code == 400
    assert not Attachment.objects.exists()


def test_an_over_large_body_is_refused_before_it_is_read(world):
    case = make_case(world)
    client = world.browser_client(world.handler_a)
    big = PDF + b"\0" * (attachments.MAX_REQUEST_BYTES + 1)
    r = client.post(reverse("cases:upload", args=[case.pk]), {"file": upload("big.pdf", big)})
    assert r.status_code == 413 and 'id="upload-error"' in r.content.decode()
    assert not Attachment.objects.exists()


def test_the_upload_form_is_csrf_protected(world):
    case = make_case(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.handler_a)
    r = client.post(reverse("cases:upload", args=[case.pk]), {"file": upload("x.pdf", PDF)})
    assert r.status_code == 403 and not Attachment.objects.exists()


# ---- the API -------------------------------------------------------------------------------------


def api_url(case_id: int, attachment_id: int | None = None) -> str:
    base = f"/api/v1/cases/{case_id}/attachments"
    return base if attachment_id is None else f"{base}/{attachment_id}"


def test_the_api_uploads_lists_and_downloads(world):
    case = make_case(world)
    api = world.api(world.handler_a)
    r = api.client.post(api_url(case.pk), {"file": upload("scan.pdf", png_bytes())}, **api.headers)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["filename"] == "scan.png" and body["content_type"] == "image/png" and body["size"] == len(png_bytes())
    assert body["uploaded_by"] == "handler_a" and body["sha256"] == hashlib.sha256(png_bytes()).hexdigest()

    listed = api.get(api_url(case.pk))
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [body["id"]]
    timeline = api.get(f"/api/v1/cases/{case.pk}").json()["timeline"]
    assert timeline[-1]["type"] == "attached" and timeline[-1]["data"]["attachment_id"] == body["id"]
    got = api.get(api_url(case.pk, body["id"]))
    assert got.status_code == 200 and got.content == png_bytes() and got["Content-Type"] == "image/png"
    assert got["X-Content-Type-Options"] == "nosniff" and got["Content-Disposition"].startswith("attachment;")

    # Far above the 64 KiB limit on other request bodies: files have their own limit.
    scan = PDF + b"\0" * (3 * 1024 * 1024)
    r = api.client.post(api_url(case.pk), {"file": upload("scan.pdf", scan)}, **api.headers)
    assert r.status_code == 201 and r.json()["size"] == len(scan)
    assert api.get(api_url(case.pk, r.json()["id"])).content == scan


def test_api_errors_are_json_with_the_field(world):
    case = make_case(world)
    api = world.api(world.handler_a)
    wrong = api.client.post(api_url(case.pk), {"file": upload("a.html", HTML, "text/html")}, **api.headers)
    assert wrong.status_code == 400 and "file" in wrong.json()["error"]["fields"]
    empty = api.client.post(api_url(case.pk), {"file": upload("a.pdf", b"")}, **api.headers)
    assert empty.status_code == 400 and "file" in empty.json()["error"]["fields"]
    missing = api.client.post(api_url(case.pk), {"other": "x"}, **api.headers)
    assert missing.status_code == 400 and "file" in missing.json()["error"]["fields"]
    as_json = api.post(api_url(case.pk), {"file": "JVBERi0="})
    assert as_json.status_code == 400 and "file" in as_json.json()["error"]["fields"]
    big = PDF + b"\0" * (attachments.MAX_REQUEST_BYTES + 1)
    too_large = api.client.post(api_url(case.pk), {"file": upload("big.pdf", big)}, **api.headers)
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "too_large"
    assert not Attachment.objects.exists()


def test_the_api_hides_other_companies_attachments(world):
    case = make_case(world)
    a = attachments.add_attachment(world.handler_a, case.pk, upload("x.pdf", PDF))
    b = world.api(world.handler_b)
    assert b.get(api_url(case.pk)).status_code == 404
    assert b.get(api_url(case.pk, a.pk)).status_code == 404
    r = b.client.post(api_url(case.pk), {"file": upload("y.pdf", PDF)}, **b.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert world.api(None).get(api_url(case.pk)).status_code == 401
    assert Attachment.objects.count() == 1
    assert Case.objects.get(pk=case.pk).events.filter(type=CaseEvent.Type.ATTACHED).count() == 1

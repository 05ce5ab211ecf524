"""The backlog import page: upload an .xlsx, check it or import it, see the row-level report.

Thin: the form parses, `imports.services` does everything else. The upload is capped while it
streams in (an upload handler installed before the body is read), so an oversized file is
refused without being stored, and the page never answers with a 500.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from ombud.cases.imports import queries, reading, services
from ombud.cases.imports.columns import COLUMNS
from ombud.cases.imports.forms import ImportForm
from ombud.cases.imports.template import template_workbook
from ombud.directory.access import page
from ombud.errors import Forbidden
from ombud.http import AuthedRequest

MAX_ERRORS_SHOWN = 1000
# A page request must finish well within the server's timeout (60 s, `ombud serve`): at
# 26-106 rows/s measured on a busy 2-core machine (bench/import_cases.py, docs/import.md),
# 1,000 rows take 10-40 s. Bigger files go through `ombud import-cases` (reading.MAX_ROWS).
PAGE_MAX_ROWS = 1000
# Room for the multipart envelope and the form's other fields around the file.
_ENVELOPE_BYTES = 64 * 1024
TEMPLATE_NAME = "ombud-import-template.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _SizeLimit(FileUploadHandler):
    """Stops reading an uploaded file once it is larger than the import accepts."""

    def __init__(self, request: HttpRequest, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large_message() -> str:
    return _("The file is larger than %(mb)d MB.") % {"mb": reading.MAX_FILE_BYTES // (1024 * 1024)}


@csrf_exempt  # checked by `_upload`, once the size limit is installed (Django's documented pattern)
@page()
@require_http_methods(["GET", "POST"])
def upload(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > reading.MAX_FILE_BYTES + _ENVELOPE_BYTES:
            return _page(request, ImportForm(), status=413, file_error=_too_large_message())
        limit = _SizeLimit(request, reading.MAX_FILE_BYTES)
        request.upload_handlers.insert(0, limit)
        return _upload(request, limit)
    return _upload(request, None)


@csrf_protect
def _upload(request: AuthedRequest, limit: _SizeLimit | None) -> HttpResponse:
    if not queries.may_import(request.user):
        return _page(request, ImportForm(), status=403, refused=True)
    if request.method != "POST":
        return _page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if limit is not None and limit.exceeded:
        return _page(request, ImportForm(), status=413, file_error=_too_large_message())
    if not form.is_valid():
        return _page(request, form, status=400)
    uploaded = form.cleaned_data["file"]
    try:
        result = services.import_cases(
            request.user,
            uploaded.read(),
            source=uploaded.name or "upload.xlsx",
            all_or_nothing=form.cleaned_data["all_or_nothing"],
            dry_run=form.cleaned_data["mode"] == "check",
            max_rows=PAGE_MAX_ROWS,
        )
    except reading.FileRejected as e:
        return _page(request, form, status=400, file_error=str(e.message))
    except Forbidden as e:
        return _page(request, form, status=403, file_error=str(e.message))
    return _page(request, form, result=result)


def _page(
    request: AuthedRequest,
    form: ImportForm,
    *,
    status: int = 200,
    result: services.ImportResult | None = None,
    file_error: str = "",
    refused: bool = False,
) -> HttpResponse:
    context = {
        "form": form,
        "result": result,
        "summary": services.summary_lines(result) if result else [],
        "errors_shown": result.errors[:MAX_ERRORS_SHOWN] if result else [],
        "errors_hidden": max(0, len(result.errors) - MAX_ERRORS_SHOWN) if result else 0,
        "file_error": file_error,
        "refused": refused,
        "columns": COLUMNS,
        "max_rows": PAGE_MAX_ROWS,
        "max_mb": reading.MAX_FILE_BYTES // (1024 * 1024),
    }
    return render(request, "cases/imports/import.html", context, status=status)


@page()
@require_GET
def template(request: AuthedRequest) -> HttpResponse:
    """The template workbook, with the companies and cities this user may import for."""
    if not queries.may_import(request.user):
        return _page(request, ImportForm(), status=403, refused=True)
    response = HttpResponse(template_workbook(request.user), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
    return response

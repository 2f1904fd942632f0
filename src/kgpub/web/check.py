"""The check page: ``GET /check`` shows the upload form, ``POST /check`` (a plain multipart
form, field ``file``) answers the report on the uploaded file as a page, or as JSON by
``Accept: application/json`` or at ``POST /check.json``.

Nothing is stored or published, so the form needs no CSRF token: a forged post can only
make a browser show a report of a file its sender already has. The upload is limited to
``check_max_bytes``: over it is 413; anything unreadable is 400 with a plain message.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import RequestEntityTooLarge

from kgpub.errors import BadRequest
from kgpub.formats import HTML, JSON
from kgpub.negotiation import negotiate
from kgpub.publish.spreadsheet.tables import UnreadableWorkbook
from kgpub.site.check import (
    Checker,
    CheckerCache,
    Outcome,
    SheetGroup,
    Upload,
    UploadTooLarge,
)
from kgpub.web.current import site
from kgpub.web.documents import page_language

bp = Blueprint("check", __name__)

EXTENSION = "kgpub_check"
#: Room for the multipart framing around the file(s), on top of ``check_max_bytes``.
FORM_OVERHEAD = 64 * 1024


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    """One checker cache per app, over the app's publisher."""
    state.app.extensions[EXTENSION] = CheckerCache(state.app.extensions["kgpub_publisher"])


def checker() -> Checker:
    return cast(CheckerCache, current_app.extensions[EXTENSION]).get()


@bp.get("/check")
def check_form() -> Response:
    """The form alone."""
    return _page(None, None, 200)


@bp.post("/check")
def check_post() -> Response:
    """The report, as a page or (by Accept) as JSON."""
    fmt = negotiate(request.headers.get("Accept"), None, (HTML, JSON))
    return _answer(fmt is JSON)


@bp.post("/check.json")
def check_json() -> Response:
    """The report as JSON whatever the Accept header says."""
    return _answer(True)


def _answer(as_json: bool) -> Response:
    limit = checker().snapshot.settings.check_max_bytes
    try:
        outcome = checker().check(_uploads(limit))
    except UploadTooLarge as exc:
        return _refusal(as_json, 413, exc.message)
    except (BadRequest, UnreadableWorkbook) as exc:
        return _refusal(as_json, 400, exc.message)
    return _private(jsonify(outcome.as_json()) if as_json else _page(outcome, None, 200))


def _uploads(limit: int) -> list[Upload]:
    """The files of the form's ``file`` field (raises UploadTooLarge before reading a body
    that says it is too large, or that turns out to be)."""
    if (request.content_length or 0) > limit + FORM_OVERHEAD:
        raise UploadTooLarge(limit)
    request.max_content_length = limit + FORM_OVERHEAD
    try:
        files = request.files.getlist("file")
    except RequestEntityTooLarge:
        raise UploadTooLarge(limit) from None
    uploads = [Upload(f.filename or "", f.read(limit + 1)) for f in files if f.filename]
    if not uploads and request.mimetype != "multipart/form-data":
        raise BadRequest("send the file as multipart/form-data in the field 'file'")
    return uploads


def _refusal(as_json: bool, status: int, message: str) -> Response:
    if as_json:
        resp = jsonify({"ok": False, "error": message})
        resp.status_code = status
    elif _wants_page():
        resp = _page(None, message, status)
    else:
        resp = Response(f"{status} {message}\n", status, content_type="text/plain; charset=utf-8")
    resp.headers["Connection"] = "close"  # the rest of a refused body is not read
    return _private(resp)


def _wants_page() -> bool:
    from kgpub.web.errors import wants_html

    return wants_html()


def _private(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Vary"] = "Accept, Accept-Language, Cookie"
    return resp


def _page(outcome: Outcome | None, error: str | None, status: int) -> Response:

    lang = page_language()
    ctx = site().context(lang, request.host_url, "/check")
    groups: list[SheetGroup] = checker().groups(outcome) if outcome else []
    body = site().html.render(
        "check.html",
        ctx,
        title=ctx.gettext("Check a strategy file"),
        outcome=outcome,
        groups=groups,
        error=error,
        limit=_megabytes(checker().snapshot.settings.check_max_bytes, lang),
    )
    return Response(body, status=status, content_type=HTML.content_type)


def _megabytes(n: int, lang: str) -> str:
    text = f"{n / (1 << 20):.1f}".removesuffix(".0")
    return text.replace(".", ",") if lang == "sv" else text

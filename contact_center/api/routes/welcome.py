"""The welcome page: `/welcome/TOKEN`, where a recycled seat's new holder sets a password.

Plain server-rendered HTML, no JavaScript. CSRF: a double-submit cookie. The GET sets a
random `cc_welcome_csrf` cookie (HttpOnly, SameSite=Strict, Path=/welcome/) and puts the
same value in a hidden field; the POST is accepted only when both are present and equal.
Another site can neither read the cookie nor make the browser send it (SameSite), and
without the link token it cannot even address the form. The link token itself is stored
hashed and spent by the POST that sets the password (domain/welcome.py).
"""

from __future__ import annotations

import hmac
import re
import secrets
from html import escape
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from contact_center.api.dependencies import StoreDep
from contact_center.domain import auth, welcome

router = APIRouter(tags=["welcome"], include_in_schema=False)
COOKIE = "cc_welcome_csrf"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
MAX_FORM = 8192
HEADERS = {
    "Cache-Control": "no-store",
    # The link token is in the page's address: never send it on to another site.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
STYLE = (
    "body{font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em;line-height:1.4}"
    "label{display:block;margin-top:1em}input{font-size:1em;padding:.3em;width:100%}"
    "button{margin-top:1.5em;font-size:1em;padding:.4em 1.2em}"
    ".errors{color:#a00;border:1px solid #a00;padding:.5em 1em}"
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _spent() -> HTMLResponse:
    return _page(
        "Link not valid",
        f"<p>{escape(welcome.SPENT)}</p><p>Ask your administrator for a new one, or to "
        "reset your password.</p>",
        410,
    )


def _form(
    request: Request, username: str, csrf: str, errors: list[str], status: int = 200
) -> HTMLResponse:
    shown = ""
    if errors:
        items = "".join(f"<li>{escape(e)}</li>" for e in errors)
        shown = f'<div class="errors" role="alert"><ul>{items}</ul></div>'
    body = (
        f"<p>Welcome. Your username is <strong>{escape(username)}</strong>. Choose a "
        f"password of at least {welcome.MIN_LENGTH} characters that does not contain your "
        "username.</p>"
        f"{shown}"
        f'<form method="post" action="{escape(request.url.path)}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<label for="password">New password</label>'
        '<input id="password" name="password" type="password" autocomplete="new-password" '
        f'required minlength="{welcome.MIN_LENGTH}" maxlength="{welcome.MAX_LENGTH}">'
        '<label for="confirm">The same password again</label>'
        '<input id="confirm" name="confirm" type="password" autocomplete="new-password" '
        f'required minlength="{welcome.MIN_LENGTH}" maxlength="{welcome.MAX_LENGTH}">'
        '<button type="submit">Set password</button></form>'
    )
    response = _page("Set your password", body, status)
    response.set_cookie(
        COOKIE, csrf, httponly=True, samesite="strict", path="/welcome/",
        secure=request.url.scheme == "https", max_age=int(welcome.LINK_LIFETIME),
    )  # fmt: skip
    return response


@router.get("/welcome/{token}", response_class=HTMLResponse)
def welcome_page(token: str, request: Request, store: StoreDep) -> HTMLResponse:
    if not TOKEN_RE.match(token):
        return _spent()
    with store.read() as conn:
        holder = welcome.holder_of(conn, token)
    if holder is None:
        return _spent()
    return _form(request, holder.username, secrets.token_urlsafe(24), [])


@router.post("/welcome/{token}", response_class=HTMLResponse)
async def welcome_submit(token: str, request: Request, store: StoreDep) -> HTMLResponse:
    if not TOKEN_RE.match(token):
        return _spent()
    raw = await request.body()
    if len(raw) > MAX_FORM:
        return _page("Form too large", "<p>The form was too large.</p>", 413)
    form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    return await run_in_threadpool(_submit, token, request, store, form)


def _submit(token: str, request: Request, store: StoreDep, form: dict[str, str]) -> HTMLResponse:
    with store.read() as conn:
        holder = welcome.holder_of(conn, token)
    if holder is None:
        return _spent()
    cookie = request.cookies.get(COOKIE, "")
    sent = form.get("csrf", "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        return _form(
            request, holder.username, secrets.token_urlsafe(24),
            ["This form has expired or was not sent from this page. Enter your password "
             "again."], 403,
        )  # fmt: skip
    password, confirm = form.get("password", ""), form.get("confirm", "")
    problems = welcome.password_problems(password, confirm, holder.username)
    if problems:
        return _form(request, holder.username, cookie, problems, 422)
    hashed = auth.hash_password(password)  # before the transaction: scrypt takes a while
    with store.write() as conn:
        done = welcome.set_password(conn, token, hashed)
    if done is None:
        return _spent()
    response = _page(
        "Password set",
        f"<p>Your password is set. You can now sign in as <strong>{escape(done.username)}"
        "</strong>.</p>",
    )
    response.delete_cookie(COOKIE, path="/welcome/")
    return response

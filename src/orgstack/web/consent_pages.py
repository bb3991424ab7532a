"""The device approval page (`/start/device`) and the PKCE consent page (`/authorize`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orgstack.services.signin import consent
from orgstack.services.signin.context import StepContext, enabled_user, user_name_of
from orgstack.services.sso_oidc.authorization import AuthorizationRequestError
from orgstack.services.sso_oidc.device import format_user_code, normalize_user_code
from orgstack.web.base import (
    CSRF_FAILED,
    CsrfError,
    Portal,
    check_csrf,
    current,
    instance_of,
    redirect,
    session_id_of,
    sign_in_redirect,
)
from orgstack.web.portal_pages import signed_in_values

DEVICE = "/start/device"
APPROVED = "Access allowed. You can close this window and return to your application."
DENIED = "Access denied. The application did not receive access to your accounts."


class _SignedOut(Exception):
    pass


def routes(portal: Portal) -> list[Route]:
    async def device_page(request: Request) -> Response:
        return await show_device(portal, request)

    async def device_code(request: Request) -> Response:
        return await submit_device_code(portal, request)

    async def device_decision(request: Request) -> Response:
        return await decide_device(portal, request)

    async def authorize_page(request: Request) -> Response:
        return await show_authorize(portal, request)

    async def authorize_decision(request: Request) -> Response:
        return await decide_authorize(portal, request)

    return [
        Route(DEVICE, device_page, methods=["GET"]),
        Route(DEVICE, device_code, methods=["POST"]),
        Route(f"{DEVICE}/decision", device_decision, methods=["POST"]),
        Route("/authorize", authorize_page, methods=["GET"]),
        Route("/authorize/decision", authorize_decision, methods=["POST"]),
    ]


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items()}


def _csrf_page(portal: Portal, request: Request) -> Response:
    return portal.render(request, "message.html", None, 403, title="Authorize", message=CSRF_FAILED)


async def show_device(portal: Portal, request: Request) -> Response:
    user_code = request.query_params.get("user_code", "").strip()[:32]

    def work(context: StepContext) -> tuple[str, dict[str, Any]]:
        session = current(context, request)
        if session is None:
            raise _SignedOut
        values = {"user_code": user_code, **signed_in_values(context, session)}
        if not user_code:
            return "device_code.html", values
        found, problem = consent.look_up_code(context, session, user_code)
        if found is None:
            return "device_code.html", {**values, "error": problem}
        user = enabled_user(context.connection, session.identity_store_id, session.user_id)
        values.update(
            client_name=found.client_name or found.client_id,
            user_code=found.user_code,
            scopes=found.scopes,
            user_name=user_name_of(user) if user else "",
        )
        return "device_confirm.html", values

    try:
        template, values = await portal.run(request, work)
    except _SignedOut:
        return sign_in_redirect(request)
    title = "Authorize request" if template == "device_confirm.html" else "Authorize a device"
    status = 400 if values.get("error") else 200
    return portal.render(request, template, session_id_of(request), status, title=title, **values)


async def submit_device_code(portal: Portal, request: Request) -> Response:
    fields = await _form(request)

    def work(context: StepContext) -> bool:
        session = current(context, request)
        if session is None:
            return False
        check_csrf(session, fields.get("csrf_token", ""))
        return True

    try:
        signed_in = await portal.run(request, work)
    except CsrfError:
        return _csrf_page(portal, request)
    if not signed_in:
        return sign_in_redirect(request)
    code = format_user_code(normalize_user_code(fields.get("user_code", "")[:32]))
    return redirect(f"{DEVICE}?user_code={quote(code, safe='')}")


async def decide_device(portal: Portal, request: Request) -> Response:
    fields = await _form(request)
    allow = fields.get("decision") == "allow"

    def work(context: StepContext) -> tuple[str | None, dict[str, Any]]:
        session = current(context, request)
        if session is None:
            raise _SignedOut
        check_csrf(session, fields.get("csrf_token", ""))
        instance = instance_of(context, session)
        if instance is None:
            raise _SignedOut
        problem = consent.answer_device(
            context, instance, session, fields.get("user_code", "")[:32], allow
        )
        return problem, signed_in_values(context, session)

    try:
        problem, values = await portal.run(request, work)
    except CsrfError:
        return _csrf_page(portal, request)
    except _SignedOut:
        return sign_in_redirect(request)
    session_id = session_id_of(request)
    if problem is not None:
        return portal.render(
            request, "message.html", session_id, 400, title="Authorize request", message=problem,
            **values,
        )  # fmt: skip
    title = "Request approved" if allow else "Request denied"
    message = APPROVED if allow else DENIED
    return portal.render(
        request, "message.html", session_id, title=title, message=message, **values
    )


async def show_authorize(portal: Portal, request: Request) -> Response:
    query = dict(request.query_params)

    def work(context: StepContext) -> dict[str, Any]:
        session = current(context, request)
        if session is None:
            raise _SignedOut
        pending = consent.begin_pkce(context, query)
        user = enabled_user(context.connection, session.identity_store_id, session.user_id)
        return {
            "client_name": pending.client_name or pending.client_id,
            "scopes": pending.scopes,
            "user_name": user_name_of(user) if user else "",
            "request_query": request.url.query,
            **signed_in_values(context, session),
        }

    try:
        values = await portal.run(request, work)
    except _SignedOut:
        return sign_in_redirect(request)
    except AuthorizationRequestError as failure:
        return _authorization_failure(portal, request, failure)
    return portal.render(
        request, "authorize.html", session_id_of(request), title="Authorize request", **values
    )


async def decide_authorize(portal: Portal, request: Request) -> Response:
    fields = await _form(request)
    query = dict(parse_qsl(fields.get("request", ""), keep_blank_values=True))
    allow = fields.get("decision") == "allow"

    def work(context: StepContext) -> str:
        session = current(context, request)
        if session is None:
            raise _SignedOut
        check_csrf(session, fields.get("csrf_token", ""))
        instance = instance_of(context, session)
        if instance is None:
            raise _SignedOut
        return consent.answer_pkce(context, instance, session, query, allow)

    try:
        target = await portal.run(request, work)
    except CsrfError:
        return _csrf_page(portal, request)
    except _SignedOut:
        return sign_in_redirect(request)
    except AuthorizationRequestError as failure:
        return _authorization_failure(portal, request, failure)
    return redirect(target)


def _authorization_failure(
    portal: Portal, request: Request, failure: AuthorizationRequestError
) -> Response:
    # Without a trustworthy redirect URI the error stays on this page (RFC 6749 section 4.1.2.1).
    if failure.redirect_url is not None:
        return redirect(failure.redirect_url)
    message = f"The application's request is invalid: {failure.description}"
    return portal.render(
        request, "message.html", session_id_of(request), 400, title="Authorize", message=message
    )

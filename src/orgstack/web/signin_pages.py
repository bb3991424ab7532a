"""The sign-in pages: one form per step, posted back and followed by a redirect or the form."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orgstack.identity_center import Instance
from orgstack.services.signin import events, flow, mfa_store, totp
from orgstack.services.signin.context import StepContext, portal_instance
from orgstack.services.signin.flow import StepResult
from orgstack.services.signin.session_store import PortalSession
from orgstack.web import http
from orgstack.web.base import (
    CSRF_FAILED,
    CsrfError,
    Portal,
    check_csrf,
    current,
    redirect,
    session_id_of,
)

STEP_TEMPLATES = {
    flow.USERNAME: "login_username.html",
    flow.PASSWORD: "login_password.html",
    flow.NEW_PASSWORD: "login_new_password.html",
    flow.MFA: "login_mfa.html",
    # The MFA step with a security key or passkey; the step name is the same.
    "mfa_webauthn": "login_mfa_webauthn.html",
    flow.REGISTER_MFA: "login_register_mfa.html",
}
NO_INSTANCE = "IAM Identity Center is not enabled on this server, or the directory does not exist."


def routes(portal: Portal) -> list[Route]:
    async def show(request: Request) -> Response:
        return await show_login(portal, request)

    async def submit(request: Request) -> Response:
        return await submit_step(portal, request)

    return [
        Route("/start/login", show, methods=["GET"]),
        Route("/start/login", submit, methods=["POST"]),
    ]


async def show_login(portal: Portal, request: Request) -> Response:
    """Show the form of the visitor's current step, opening a sign-in session when needed."""
    next_path = http.safe_next(request.query_params.get("next", "/start"))
    directory = request.query_params.get("directory") or request.cookies.get(http.DIRECTORY_COOKIE)
    restart = request.query_params.get("restart") == "1"

    def work(
        context: StepContext,
    ) -> tuple[str | None, str | None, PortalSession | None, str | None]:
        if current(context, request) is not None and not restart:
            return None, None, None, None
        session = None if restart else flow.pending(context, session_id_of(request))
        if session is not None:
            if "next" in request.query_params:
                flow.redirect_after(context, session, next_path)
            instance = portal_instance(context.connection, session.identity_store_id)
            options = (
                flow.prepare_webauthn(context, instance, session, portal.relying_party)
                if instance is not None
                else None
            )
            return session_id_of(request), None, session, options
        instance = portal_instance(context.connection, directory)
        if instance is None:
            return None, NO_INSTANCE, None, None
        session_id = flow.start_session(context, instance, next_path)
        return session_id, None, flow.pending(context, session_id), None

    session_id, problem, session, options = await portal.run(request, work)
    if problem is not None:
        return portal.render(request, "message.html", None, 404, title="Sign in", message=problem)
    if session is None or session_id is None:
        return redirect(next_path)
    response = _step_page(portal, request, session_id, session, None, options)
    portal.set_session_cookie(request, response, session_id)
    if request.query_params.get("directory"):
        # Later visits without `?directory=` (device links, shortcuts) find the same directory.
        http.set_cookie(
            response,
            request,
            portal.settings.base_url,
            http.DIRECTORY_COOKIE,
            session.identity_store_id,
            http.KNOWN_DEVICE_SECONDS,
        )
    return response


async def submit_step(portal: Portal, request: Request) -> Response:
    """Apply the posted form to the visitor's current step."""
    form = await request.form()
    fields = {key: str(value) for key, value in form.items()}
    known_device_cookie = request.cookies.get(http.KNOWN_DEVICE_COOKIE, "")

    def work(
        context: StepContext,
    ) -> tuple[PortalSession | None, StepResult | None, str | None]:
        session = flow.pending(context, session_id_of(request))
        check_csrf(session, fields.get("csrf_token", ""))
        assert session is not None
        instance = portal_instance(context.connection, session.identity_store_id)
        if instance is None:
            return session, StepResult(flow.USERNAME, NO_INSTANCE), None
        step = session.state.get("step")
        user_id = session.state.get("pending_user_id")
        known = bool(user_id) and known_device_cookie == http.known_device_value(
            portal.device_key, instance.identity_store_id, str(user_id)
        )
        result = _apply(portal, context, instance, session, str(step), fields, known)
        flow.persist(context, session, result)
        options = None
        if result.signed_in_session_id is None and result.error is not None:
            # The page is shown again at once, so it needs a fresh challenge after a failure.
            options = flow.prepare_webauthn(context, instance, session, portal.relying_party)
        return session, result, options

    try:
        session, result, options = await portal.run(request, work)
    except CsrfError:
        return portal.render(
            request, "message.html", None, 403, title="Sign in", message=CSRF_FAILED
        )
    assert session is not None and result is not None

    if result.signed_in_session_id is not None:
        return _signed_in(portal, request, session, result.signed_in_session_id)
    if result.error is None:
        return redirect("/start/login")
    return _step_page(portal, request, session_id_of(request), session, result.error, options)


def _apply(
    portal: Portal,
    context: StepContext,
    instance: Instance,
    session: PortalSession,
    step: str,
    fields: dict[str, str],
    known_device: bool,
) -> StepResult:
    if step == flow.USERNAME:
        return flow.submit_user_name(context, instance, session, fields.get("username", "").strip())
    if step == flow.PASSWORD:
        return flow.submit_password(
            context, instance, session, fields.get("password", ""), known_device
        )
    if step == flow.NEW_PASSWORD:
        return flow.submit_new_password(
            context,
            instance,
            session,
            fields.get("new_password", ""),
            fields.get("confirm_password", ""),
        )
    if step == flow.MFA:
        if "mfa_method" in fields:
            return flow.choose_mfa_method(context, instance, session, fields["mfa_method"])
        if "webauthn_response" in fields:
            return flow.submit_webauthn_assertion(
                context, instance, session, portal.relying_party, fields["webauthn_response"]
            )
        return flow.submit_mfa_code(context, instance, session, fields.get("mfa_code", ""))
    if step == flow.REGISTER_MFA:
        if "webauthn_response" in fields:
            return flow.submit_webauthn_registration(
                context,
                instance,
                session,
                portal.relying_party,
                fields["webauthn_response"],
                fields.get("security_key_name", ""),
            )
        return flow.submit_registration(
            context, instance, session, fields.get("mfa_code", ""), fields.get("device_name", "")
        )
    return StepResult(flow.USERNAME)


def _signed_in(
    portal: Portal, request: Request, previous: PortalSession, session_id: str
) -> Response:
    response = redirect(http.safe_next(str(previous.state.get("next") or "/start")))
    portal.set_session_cookie(request, response, session_id)
    http.set_cookie(
        response,
        request,
        portal.settings.base_url,
        http.DIRECTORY_COOKIE,
        previous.identity_store_id,
        http.KNOWN_DEVICE_SECONDS,
    )
    factors = previous.state.get("factors", [])
    if events.TOTP in factors or events.WEBAUTHN in factors:
        user_id = str(previous.state.get("pending_user_id"))
        value = http.known_device_value(portal.device_key, previous.identity_store_id, user_id)
        http.set_cookie(
            response,
            request,
            portal.settings.base_url,
            http.KNOWN_DEVICE_COOKIE,
            value,
            http.KNOWN_DEVICE_SECONDS,
        )
    return response


def _step_page(
    portal: Portal,
    request: Request,
    session_id: str | None,
    session: PortalSession,
    error: str | None,
    webauthn_options: str | None = None,
) -> Response:
    step = str(session.state.get("step", flow.USERNAME))
    values: dict[str, object] = {
        "error": error,
        "user_name": session.state.get("user_name", ""),
        "title": "Sign in",
        "mfa_kinds": session.state.get("mfa_kinds", []),
        "webauthn_options": webauthn_options or "",
    }
    if step == flow.MFA and session.state.get("mfa_method") == mfa_store.WEBAUTHN:
        step = "mfa_webauthn"
    if step == flow.REGISTER_MFA:
        secret = portal.box.decrypt(str(session.state["pending_secret"]))
        uri = totp.provisioning_uri(secret, str(session.state.get("user_name", "")))
        values.update(secret=secret, qr_data_uri=totp.qr_code_data_uri(uri))
    template = STEP_TEMPLATES.get(step, STEP_TEMPLATES[flow.USERNAME])
    status = 200 if error is None else 400
    return portal.render(request, template, session_id, status, **values)

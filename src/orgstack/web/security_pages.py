"""The user's own MFA devices and password, behind a fresh re-authentication."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orgstack.identity_center import Instance
from orgstack.services.signin import mfa_store, self_service, totp, webauthn_mfa
from orgstack.services.signin.context import StepContext, enabled_user, user_name_of
from orgstack.services.signin.session_store import PortalSession
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
from orgstack.web.http import safe_next
from orgstack.web.portal_pages import signed_in_values

SECURITY = "/start/security"
NOTICES = {
    "password": "Your password was changed.",
    "device": "The MFA device was registered.",
    "security-key": "The security key was registered.",
    "removed": "The MFA device was removed.",
}


def routes(portal: Portal) -> list[Route]:
    async def overview(request: Request) -> Response:
        return await show_security(portal, request)

    async def reauth(request: Request) -> Response:
        return await reauthenticate(portal, request)

    async def password(request: Request) -> Response:
        return await change_password(portal, request)

    async def new_device(request: Request) -> Response:
        return await register_device(portal, request)

    async def remove(request: Request) -> Response:
        return await remove_device(portal, request)

    async def new_security_key(request: Request) -> Response:
        return await register_security_key(portal, request)

    return [
        Route(SECURITY, overview, methods=["GET"]),
        Route(f"{SECURITY}/reauth", reauth, methods=["GET", "POST"]),
        Route(f"{SECURITY}/password", password, methods=["GET", "POST"]),
        Route(f"{SECURITY}/mfa/new", new_device, methods=["GET", "POST"]),
        Route(f"{SECURITY}/mfa/remove", remove, methods=["POST"]),
        Route(f"{SECURITY}/webauthn/new", new_security_key, methods=["GET", "POST"]),
    ]


class _SignedOut(Exception):
    pass


class _NeedsReauth(Exception):
    pass


async def _form(request: Request) -> dict[str, str]:
    if request.method != "POST":
        return {}
    form = await request.form()
    return {key: str(value) for key, value in form.items()}


def _answer(portal: Portal, request: Request, failure: Exception) -> Response:
    if isinstance(failure, CsrfError):
        return portal.render(
            request, "message.html", None, 403, title="Security", message=CSRF_FAILED
        )
    if isinstance(failure, _NeedsReauth):
        return redirect(f"{SECURITY}/reauth?next={quote(request.url.path, safe='')}")
    return sign_in_redirect(request)


async def show_security(portal: Portal, request: Request) -> Response:
    def work(context: StepContext) -> dict[str, Any] | None:
        session = current(context, request)
        if session is None:
            return None
        devices = mfa_store.devices_of(
            context.connection, session.identity_store_id, str(session.user_id)
        )
        return {
            "devices": [(device, webauthn_mfa.device_kind_label(device)) for device in devices],
            "totp_count": sum(device.kind == mfa_store.TOTP for device in devices),
            "security_key_count": len(webauthn_mfa.webauthn_devices(devices)),
            "max_totp": totp.MAX_DEVICES,
            "max_security_keys": webauthn_mfa.MAX_DEVICES,
            **signed_in_values(context, session),
        }

    values = await portal.run(request, work)
    if values is None:
        return sign_in_redirect(request)
    notice = NOTICES.get(request.query_params.get("done", ""))
    return portal.render(
        request,
        "security.html",
        session_id_of(request),
        title="MFA devices and password",
        notice=notice,
        **values,
    )


async def reauthenticate(portal: Portal, request: Request) -> Response:
    fields = await _form(request)
    next_path = safe_next(fields.get("next") or request.query_params.get("next", SECURITY))

    def work(context: StepContext) -> tuple[str | None, dict[str, Any]]:
        session = current(context, request)
        if session is None:
            raise _SignedOut
        devices = mfa_store.devices_of(
            context.connection, session.identity_store_id, str(session.user_id)
        )
        values: dict[str, Any] = {
            "has_totp": any(device.kind == mfa_store.TOTP for device in devices),
            "has_webauthn": bool(webauthn_mfa.webauthn_devices(devices)),
            "next": next_path,
        }
        values.update(signed_in_values(context, session))
        problem: str | None = "show"
        if request.method == "POST":
            check_csrf(session, fields.get("csrf_token", ""))
            instance = instance_of(context, session)
            if instance is None:
                raise _SignedOut
            problem = self_service.reauthenticate(
                context,
                instance,
                session,
                portal.relying_party,
                fields.get("password", ""),
                fields.get("mfa_code", ""),
                fields.get("webauthn_response", ""),
            )
        if problem is not None:
            # Shown again after a failure, so a spent challenge is replaced here.
            options = self_service.reauthentication_options(context, session, portal.relying_party)
            values["webauthn_options"] = options or ""
        return problem, values

    try:
        problem, values = await portal.run(request, work)
    except (CsrfError, _SignedOut) as failure:
        return _answer(portal, request, failure)
    if problem is None:
        return redirect(next_path)
    error = None if problem == "show" else problem
    status = 200 if error is None else 400
    return portal.render(
        request,
        "reauth.html",
        session_id_of(request),
        status,
        title="Confirm your identity",
        error=error,
        **values,
    )


async def change_password(portal: Portal, request: Request) -> Response:
    fields = await _form(request)

    def work(context: StepContext) -> tuple[str | None, dict[str, Any]]:
        session = current(context, request)
        if session is None:
            raise _SignedOut
        if request.method == "POST":
            check_csrf(session, fields.get("csrf_token", ""))
        if not self_service.recently_authenticated(context, session):
            raise _NeedsReauth
        values = signed_in_values(context, session)
        instance = instance_of(context, session)
        if request.method != "POST" or instance is None:
            return "show", values
        problem = self_service.change_password(
            context,
            instance,
            session,
            fields.get("new_password", ""),
            fields.get("confirm_password", ""),
        )
        return problem, values

    try:
        problem, values = await portal.run(request, work)
    except (CsrfError, _SignedOut, _NeedsReauth) as failure:
        return _answer(portal, request, failure)
    if problem is None:
        return redirect(f"{SECURITY}?done=password")
    error = None if problem == "show" else problem
    return portal.render(
        request,
        "change_password.html",
        session_id_of(request),
        200 if error is None else 400,
        title="Change password",
        error=error,
        **values,
    )


def _device_change_step(
    context: StepContext, request: Request, fields: dict[str, str]
) -> tuple[PortalSession, Instance]:
    """Return the signed-in session and its instance for a page that adds or removes MFA devices.

    Raises _SignedOut without a session or instance, CsrfError when a POST has the wrong token,
    and _NeedsReauth unless the user confirmed their identity recently.
    """
    session = current(context, request)
    if session is None:
        raise _SignedOut
    if request.method == "POST":
        check_csrf(session, fields.get("csrf_token", ""))
    if not self_service.recently_authenticated(context, session):
        raise _NeedsReauth
    instance = instance_of(context, session)
    if instance is None:
        raise _SignedOut
    return session, instance


def _registration_page(
    portal: Portal,
    request: Request,
    problem: str | None,
    values: dict[str, Any],
    done: str,
    template: str,
    title: str,
) -> Response:
    """Redirect to the overview once a device is registered, else show the form again.

    `problem` is None after a registration, "show" for a form without an error, and otherwise the
    error to show with status 400.
    """
    if problem is None:
        return redirect(f"{SECURITY}?done={done}")
    error = None if problem == "show" else problem
    return portal.render(
        request,
        template,
        session_id_of(request),
        200 if error is None else 400,
        title=title,
        error=error,
        **values,
    )


async def register_device(portal: Portal, request: Request) -> Response:
    fields = await _form(request)

    def work(context: StepContext) -> tuple[str | None, dict[str, Any]]:
        session, instance = _device_change_step(context, request, fields)
        values = signed_in_values(context, session)
        problem: str | None = "show"
        if request.method == "POST":
            problem = self_service.confirm_registration(
                context,
                instance,
                session,
                fields.get("mfa_code", ""),
                fields.get("device_name", ""),
            )
            if problem is None:
                return None, values
        secret = self_service.pending_secret(context, session)
        if secret is None or request.method != "POST":
            secret = self_service.begin_registration(context, session)
        user = enabled_user(context.connection, session.identity_store_id, session.user_id)
        uri = totp.provisioning_uri(secret, user_name_of(user) if user else "")
        values.update(secret=secret, qr_data_uri=totp.qr_code_data_uri(uri))
        return problem, values

    try:
        problem, values = await portal.run(request, work)
    except (CsrfError, _SignedOut, _NeedsReauth) as failure:
        return _answer(portal, request, failure)
    return _registration_page(
        portal, request, problem, values, "device", "register_mfa.html", "Register MFA device"
    )


async def register_security_key(portal: Portal, request: Request) -> Response:
    fields = await _form(request)

    def work(context: StepContext) -> tuple[str | None, dict[str, Any]]:
        session, instance = _device_change_step(context, request, fields)
        values = signed_in_values(context, session)
        problem: str | None = "show"
        if request.method == "POST":
            problem = self_service.register_security_key(
                context,
                instance,
                session,
                portal.relying_party,
                fields.get("webauthn_response", ""),
                fields.get("security_key_name", ""),
            )
            if problem is None:
                return None, values
        options = self_service.security_key_options(context, session, portal.relying_party)
        if options is None and problem == "show":
            problem = self_service.TOO_MANY_SECURITY_KEYS
        values["webauthn_options"] = options or ""
        return problem, values

    try:
        problem, values = await portal.run(request, work)
    except (CsrfError, _SignedOut, _NeedsReauth) as failure:
        return _answer(portal, request, failure)
    return _registration_page(
        portal,
        request,
        problem,
        values,
        "security-key",
        "register_webauthn.html",
        "Register security key",
    )


async def remove_device(portal: Portal, request: Request) -> Response:
    fields = await _form(request)

    def work(context: StepContext) -> bool:
        # The route accepts only POST, so the CSRF token is always checked.
        session, instance = _device_change_step(context, request, fields)
        return self_service.remove_device(context, instance, session, fields.get("device_id", ""))

    try:
        await portal.run(request, work)
    except (CsrfError, _SignedOut, _NeedsReauth) as failure:
        if isinstance(failure, _NeedsReauth):
            return redirect(f"{SECURITY}/reauth?next={quote(SECURITY, safe='')}")
        return _answer(portal, request, failure)
    return redirect(f"{SECURITY}?done=removed")

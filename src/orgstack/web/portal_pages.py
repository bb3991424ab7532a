"""The signed-in pages: the account list, role credentials, console shortcuts and sign-out."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orgstack import identity_center
from orgstack.services.signin import events, portal_access, self_service
from orgstack.services.signin.context import StepContext, enabled_user, user_name_of
from orgstack.services.sso_portal.errors import UnauthorizedException
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


def routes(portal: Portal) -> list[Route]:
    async def accounts(request: Request) -> Response:
        return await show_accounts(portal, request)

    async def credentials(request: Request) -> Response:
        return await show_credentials(portal, request)

    async def console(request: Request) -> Response:
        return await open_console(portal, request)

    async def logout(request: Request) -> Response:
        return await sign_out(portal, request)

    return [
        Route("/start", accounts, methods=["GET"]),
        Route("/start/", accounts, methods=["GET"]),
        Route("/start/credentials", credentials, methods=["GET"]),
        Route("/start/console", console, methods=["GET"]),
        Route("/start/logout", logout, methods=["POST"]),
    ]


def signed_in_values(context: StepContext, session: Any) -> dict[str, Any]:
    """Return the values every signed-in page shows in its header."""
    user = enabled_user(context.connection, session.identity_store_id, session.user_id)
    return {"signed_in_as": user_name_of(user) if user else ""}


async def show_accounts(portal: Portal, request: Request) -> Response:
    query = request.query_params.get("q", "")[:256]

    def work(context: StepContext) -> dict[str, Any] | None:
        session = current(context, request)
        if session is None:
            return None
        try:
            found = portal_access.accounts(context, session, query)
        except UnauthorizedException:
            return None
        return {"accounts": found, "query": query, **signed_in_values(context, session)}

    values = await portal.run(request, work)
    if values is None:
        return sign_in_redirect(request)
    return portal.render(
        request, "accounts.html", session_id_of(request), title="AWS accounts", **values
    )


async def show_credentials(portal: Portal, request: Request) -> Response:
    account_id = request.query_params.get("account_id", "")
    role_name = request.query_params.get("role_name", "")

    def work(context: StepContext) -> dict[str, Any] | None:
        session = current(context, request)
        instance = instance_of(context, session) if session else None
        if session is None or instance is None:
            return None
        try:
            issued = portal_access.role_credentials(
                context, session, portal.settings, portal.clock, account_id, role_name
            )
        except UnauthorizedException:
            return None
        values = signed_in_values(context, session)
        if issued is None:
            return {**values, "missing": True}
        expiration = dt.datetime.fromtimestamp(issued.expiration_ms / 1000, dt.UTC)
        return {
            **values,
            "creds": issued,
            "expiration": expiration.strftime("%Y-%m-%d %H:%M:%S UTC"),
            # An instance row may store the URL of another port, so show the one of this server.
            "start_url": identity_center.start_url(portal.settings.base_url),
            "region": str(instance.settings.get("primary_region") or portal_access.REGION),
        }

    values = await portal.run(request, work)
    if values is None:
        return sign_in_redirect(request)
    session_id = session_id_of(request)
    if values.pop("missing", False):
        message = "You have no role with that name in that account, or the account is not yours."
        return portal.render(
            request, "message.html", session_id, 404, title="Access keys", message=message, **values
        )
    title = f"Access keys for {role_name}"
    return portal.render(
        request,
        "credentials.html",
        session_id,
        title=title,
        account_id=account_id,
        role_name=role_name,
        **values,
    )


async def open_console(portal: Portal, request: Request) -> Response:
    """Resolve a shortcut link to the account and role it names.

    orgstack has no management console, so the shortcut leads to the role's access keys.
    """
    account_id = request.query_params.get("account_id", "")
    role_name = request.query_params.get("role_name", "")

    def work(context: StepContext) -> bool | None:
        session = current(context, request)
        instance = instance_of(context, session) if session else None
        if session is None or instance is None:
            return None
        try:
            allowed = portal_access.has_role(context, session, account_id, role_name)
        except UnauthorizedException:
            return None
        if allowed:
            user = enabled_user(context.connection, session.identity_store_id, session.user_id)
            actor = context.actor(instance, session.user_id, user_name_of(user) if user else "")
            details = {"accountId": account_id, "roleName": role_name}
            event = events.record(events.SSO_SOURCE, "Federate", actor, context.now, None, details)
            context.record(event)
        return allowed

    allowed = await portal.run(request, work)
    if allowed is None:
        return sign_in_redirect(request)
    if not allowed:
        message = "You have no role with that name in that account, or the account is not yours."
        return portal.render(
            request, "message.html", session_id_of(request), 404, title="Console", message=message
        )
    query = urlencode({"account_id": account_id, "role_name": role_name})
    return redirect(f"/start/credentials?{query}")


async def sign_out(portal: Portal, request: Request) -> Response:
    form = await request.form()
    submitted = str(form.get("csrf_token", ""))

    def work(context: StepContext) -> None:
        session = current(context, request)
        check_csrf(session, submitted)
        assert session is not None
        instance = instance_of(context, session)
        if instance is not None:
            self_service.sign_out(context, instance, session)

    try:
        await portal.run(request, work)
    except CsrfError:
        return portal.render(
            request, "message.html", None, 403, title="Sign out", message=CSRF_FAILED
        )
    response = redirect("/start/login")
    response.delete_cookie("orgstack_portal", path="/")
    return response

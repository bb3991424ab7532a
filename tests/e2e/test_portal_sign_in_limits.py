"""Sign-in throttling of the access portal over plain HTTP, on servers that trust no proxy.

Each test that fills an address's failure window gets a server of its own, because the
harness moves the clock back after every test and the window would stay full for the next one.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.identity_center_helpers import new_user
from tests.e2e.portal_form_helpers import try_password
from tests.e2e.sso_admin_helpers import IdentityCenter, new_identity_center
from tests.e2e.web.portal_helpers import reset_password
from tests.harness import Server, fresh_database_url, start_server

WRONG_CREDENTIALS = "Incorrect username or password."
TOO_MANY = re.compile(r"^Too many failed attempts\. Try again in \d+ minutes\.$")
# rate_limits.IP_SIGN_IN: failures one address may have per 15-minute window.
ADDRESS_FAILURES = 30
# rate_limits.USER_SIGN_IN: failures one username may have per window.
USER_FAILURES = 5


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server for the tests that stay below the address limit together."""
    data_dir: Path = tmp_path_factory.mktemp("portal-users")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url)
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def center(shared_server: Server) -> IdentityCenter:
    return new_identity_center(shared_server)


def existing_user(server: Server, center: IdentityCenter, user_name: str) -> str:
    """Create a user with a password, as an administrator would, and return its name."""
    new_user(center.identitystore, center.store_id, user_name)
    reset_password(server, center.store_id, user_name)
    return user_name


@pytest.mark.parametrize("known", [True, False], ids=["existing", "unknown"])
def test_username_locks_after_five_failures(
    shared_server: Server, center: IdentityCenter, known: bool
) -> None:
    user_name = "erin.known" if known else "erin.unknown"
    if known:
        existing_user(shared_server, center, user_name)

    for _attempt in range(USER_FAILURES):
        page, _ = try_password(shared_server, center.store_id, user_name, "wrong-password")
        assert page.alert == WRONG_CREDENTIALS

    # The limit applies to the name compared without regard to case, as sign-in compares it.
    page, _ = try_password(shared_server, center.store_id, user_name.upper(), "wrong-password")

    assert page.status == 400
    assert page.alert is not None
    assert TOO_MANY.match(page.alert)


def test_unknown_username_takes_as_long(shared_server: Server, center: IdentityCenter) -> None:
    known = existing_user(shared_server, center, "frank.timed")
    known_times: list[float] = []
    unknown_times: list[float] = []
    for _attempt in range(3):
        _, seconds = try_password(shared_server, center.store_id, known, "wrong-password")
        known_times.append(seconds)
        _, seconds = try_password(shared_server, center.store_id, "frank.nobody", "wrong-password")
        unknown_times.append(seconds)

    # Both check one argon2id hash. The bound is loose because the machine's load varies.
    assert statistics.median(unknown_times) >= statistics.median(known_times) / 3


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("portal-limits")
    with fresh_database_url(data_dir) as database_url:
        running = start_server(data_dir, database_url)
        try:
            yield running
        finally:
            running.stop()


def test_forwarded_for_bypasses_no_address_limit(own_server: Server) -> None:
    store_id = new_identity_center(own_server).store_id

    # Every try claims another client address; a server that trusts no proxy ignores the claim.
    # Each username fails fewer times than its own limit, so only the address limit can apply.
    tries = 0
    for user_number in range(ADDRESS_FAILURES // (USER_FAILURES - 1) + 1):
        for _attempt in range(USER_FAILURES - 1):
            if tries == ADDRESS_FAILURES:
                break
            tries += 1
            headers = {"X-Forwarded-For": f"198.51.100.{tries}"}
            page, _ = try_password(
                own_server, store_id, f"spray{user_number}", "Winter2026!", headers
            )
            assert page.alert == WRONG_CREDENTIALS

    headers = {"X-Forwarded-For": "203.0.113.200"}
    page, _ = try_password(own_server, store_id, "another.user", "Winter2026!", headers)

    assert page.status == 400
    assert page.alert is not None
    assert TOO_MANY.match(page.alert)

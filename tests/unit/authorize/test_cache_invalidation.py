"""LayerCache moving to a committed change's version: what a scoped change keeps and drops."""

from __future__ import annotations

from dataclasses import dataclass

from orgstack.authorize.cache import LayerCache, VersionChange
from orgstack.authorize.store import AccountFacts
from orgstack.services.invalidation import EVERYTHING, NOTHING, accounts_below

ORGANIZATION = "o-abcdefghij"
MANAGEMENT = "111111111111"
IN_UNIT = "222222222222"
IN_CHILD = "333333333333"
AT_ROOT = "444444444444"
ROOT = "r-ab12"
UNIT = "ou-ab12-11111111"
CHILD = "ou-ab12-22222222"


@dataclass(frozen=True)
class FakeSubject:
    account: AccountFacts


def _facts(account_id: str, *containers: str) -> AccountFacts:
    path = "/".join([ORGANIZATION, ROOT, *containers]) + "/"
    return AccountFacts(
        account_id, organization_id=ORGANIZATION, management_account_id=MANAGEMENT, org_path=path
    )


def _filled_cache(version: str) -> tuple[LayerCache, list[str]]:
    """Return a cache at `version` holding four accounts, and the list that records reloads."""
    cache = LayerCache()
    loads: list[str] = []
    for account_id, containers in (
        (MANAGEMENT, ()),
        (IN_UNIT, (UNIT,)),
        (IN_CHILD, (UNIT, CHILD)),
        (AT_ROOT, ()),
    ):
        _account(cache, version, account_id, containers, loads)
    loads.clear()
    return cache, loads


def _account(
    cache: LayerCache, version: str, account_id: str, containers: tuple[str, ...], loads: list[str]
) -> AccountFacts:
    def load() -> AccountFacts:
        loads.append(account_id)
        return _facts(account_id, *containers)

    return cache.account(version, account_id, load)


def _reload_all(cache: LayerCache, version: str, loads: list[str]) -> list[str]:
    _account(cache, version, MANAGEMENT, (), loads)
    _account(cache, version, IN_UNIT, (UNIT,), loads)
    _account(cache, version, IN_CHILD, (UNIT, CHILD), loads)
    _account(cache, version, AT_ROOT, (), loads)
    return sorted(loads)


def test_scoped_change_drops_accounts_below_node() -> None:
    cache, loads = _filled_cache("v1")

    cache.advance(VersionChange("v1", "v2", accounts_below(UNIT)))

    assert _reload_all(cache, "v2", loads) == sorted([IN_UNIT, IN_CHILD])


def test_scoped_change_drops_account_by_id() -> None:
    cache, loads = _filled_cache("v1")

    cache.advance(VersionChange("v1", "v2", accounts_below(AT_ROOT)))

    assert _reload_all(cache, "v2", loads) == [AT_ROOT]


def test_change_at_root_drops_every_account() -> None:
    cache, loads = _filled_cache("v1")

    cache.advance(VersionChange("v1", "v2", accounts_below(ROOT)))

    assert _reload_all(cache, "v2", loads) == sorted([MANAGEMENT, IN_UNIT, IN_CHILD, AT_ROOT])


def test_unscoped_change_drops_everything() -> None:
    cache, loads = _filled_cache("v1")

    cache.advance(VersionChange("v1", "v2", EVERYTHING))

    assert _reload_all(cache, "v2", loads) == sorted([MANAGEMENT, IN_UNIT, IN_CHILD, AT_ROOT])


def test_change_with_nothing_in_scope_keeps_entries() -> None:
    cache, loads = _filled_cache("v1")

    cache.advance(VersionChange("v1", "v2", NOTHING))

    assert _reload_all(cache, "v2", loads) == []


def test_change_from_other_version_drops_everything() -> None:
    cache, loads = _filled_cache("v1")

    # A change that replaced v2 arrives while the cache is still at v1: a change came between.
    cache.advance(VersionChange("v2", "v3", accounts_below(AT_ROOT)))

    assert _reload_all(cache, "v3", loads) == sorted([MANAGEMENT, IN_UNIT, IN_CHILD, AT_ROOT])


def test_first_change_drops_everything() -> None:
    cache, loads = _filled_cache("")

    cache.advance(VersionChange("", "v1", accounts_below(AT_ROOT)))

    assert _reload_all(cache, "v1", loads) == sorted([MANAGEMENT, IN_UNIT, IN_CHILD, AT_ROOT])


def test_old_version_unusable_after_change() -> None:
    cache, loads = _filled_cache("v1")

    cache.advance(VersionChange("v1", "v2", NOTHING))

    assert _reload_all(cache, "v1", loads) == sorted([MANAGEMENT, IN_UNIT, IN_CHILD, AT_ROOT])


def _subject(
    cache: LayerCache, version: str, account_id: str, containers: tuple[str, ...], loads: list[str]
) -> FakeSubject:
    def load() -> FakeSubject:
        loads.append(account_id)
        return FakeSubject(_facts(account_id, *containers))

    return cache.subject(version, (None, account_id), load)


def test_scoped_change_drops_subjects_of_affected_accounts() -> None:
    cache, _ = _filled_cache("v1")
    loads: list[str] = []
    _subject(cache, "v1", IN_CHILD, (UNIT, CHILD), loads)
    _subject(cache, "v1", AT_ROOT, (), loads)
    loads.clear()

    cache.advance(VersionChange("v1", "v2", accounts_below(CHILD)))
    _subject(cache, "v2", IN_CHILD, (UNIT, CHILD), loads)
    _subject(cache, "v2", AT_ROOT, (), loads)

    assert loads == [IN_CHILD]


def test_scoped_change_drops_kept_decisions() -> None:
    cache, _ = _filled_cache("v1")
    key = ("decision",)
    cache.keep_decision("v1", key, object())  # type: ignore[arg-type]

    cache.advance(VersionChange("v1", "v2", accounts_below(AT_ROOT)))

    assert cache.decision("v2", key) is None  # type: ignore[arg-type]


def test_change_with_nothing_in_scope_keeps_decisions() -> None:
    cache, _ = _filled_cache("v1")
    key = ("decision",)
    kept = object()
    cache.keep_decision("v1", key, kept)  # type: ignore[arg-type]

    cache.advance(VersionChange("v1", "v2", NOTHING))

    assert cache.decision("v2", key) is kept  # type: ignore[arg-type]

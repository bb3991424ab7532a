"""Model-based test of the organization tree against the real server.

Hypothesis runs random sequences of OU creation and deletion, account creation, invitation, moves
and removal, SCP creation, attachment and detachment. A small dict model predicts each call's
outcome (success or the exact AWS error). After every step it checks what ListChildren,
ListParents, ListPoliciesForTarget and the `Paths` of ListAccounts return.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.exceptions
import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.e2e.organization_helpers import invite_and_join
from tests.e2e.tree_helpers import Organization, new_organization
from tests.harness import Server, create_member_account

FULL_AWS_ACCESS = "p-FullAWSAccess"
SCP = "SERVICE_CONTROL_POLICY"
MAX_DEPTH = 5
MAX_SCPS_PER_TARGET = 5
# Account creation is the slowest step (an asynchronous job), so each run creates only a few.
MAX_MEMBERS = 3
# Few names make duplicate names under one parent likely.
OU_NAMES = ("alpha", "beta", "gamma")
DENY_CONTENT = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket",'
    '"Resource":"*"}]}'
)


@contextmanager
def expect_error(code: str, reason: str | None = None) -> Iterator[None]:
    """Assert that the block raises the AWS error `code` (and `reason`, when given)."""
    try:
        yield
    except botocore.exceptions.ClientError as error:
        assert error.response["Error"]["Code"] == code, error.response["Error"]
        if reason is not None:
            assert error.response.get("Reason") == reason
    else:
        raise AssertionError(f"expected {code}, but the call succeeded")


class TreeMachine(RuleBasedStateMachine):
    """The model: parents of OUs and accounts, OU names, and the SCPs attached to each target."""

    server: Server

    def __init__(self) -> None:
        super().__init__()
        self.organization: Organization | None = None
        self.ou_parent: dict[str, str] = {}
        self.ou_name: dict[str, str] = {}
        self.account_parent: dict[str, str] = {}
        # Member accounts that joined by invitation; created ones must wait four days to leave.
        self.invited: set[str] = set()
        self.policies: list[str] = []
        self.attached: dict[str, set[str]] = {}

    # Helpers

    @property
    def org(self) -> Organization:
        assert self.organization is not None
        return self.organization

    @property
    def client(self) -> Any:
        return self.org.client

    @property
    def management_id(self) -> str:
        return self.org.management.account_id

    def containers(self) -> list[str]:
        return [self.org.root_id, *self.ou_parent]

    def targets(self) -> list[str]:
        return [*self.containers(), *self.account_parent]

    def depth(self, container: str) -> int:
        levels = 0
        while container != self.org.root_id:
            container = self.ou_parent[container]
            levels += 1
        return levels

    def children(self, container: str) -> tuple[list[str], list[str]]:
        ous = [ou for ou, parent in self.ou_parent.items() if parent == container]
        accounts = [
            account for account, parent in self.account_parent.items() if parent == container
        ]
        return ous, accounts

    def path(self, node: str) -> str:
        """Return the AWS path of the root, an OU or an account, as the model places it."""
        chain: list[str] = []
        current: str | None = node
        while current is not None and current != self.org.root_id:
            chain.append(current)
            current = self.ou_parent.get(current) or self.account_parent.get(current)
        below_root = "".join(f"{entry}/" for entry in reversed(chain))
        return f"{self.org.id}/{self.org.root_id}/{below_root}"

    # Rules

    @initialize(levels=st.integers(0, MAX_DEPTH), policies=st.integers(0, MAX_SCPS_PER_TARGET))
    def start(self, levels: int, policies: int) -> None:
        management = self.server.new_account()
        self.organization = new_organization(self.server, management)
        self.account_parent[management.account_id] = self.org.root_id
        self.attached[self.org.root_id] = {FULL_AWS_ACCESS}
        self.attached[management.account_id] = {FULL_AWS_ACCESS}

        # A chain of nested OUs to start from, so that short runs still reach the depth limit.
        parent = self.org.root_id
        for level in range(levels):
            parent = self._create_ou(parent, f"level-{level + 1}")
        # And some SCPs, so that short runs still reach the limit of five per target.
        for _ in range(policies):
            self.create_policy()

    def _create_ou(self, parent: str, name: str) -> str:
        unit = self.client.create_organizational_unit(ParentId=parent, Name=name)
        ou_id: str = unit["OrganizationalUnit"]["Id"]
        assert unit["OrganizationalUnit"]["Path"] == self.path(parent) + f"{ou_id}/"
        self.ou_parent[ou_id] = parent
        self.ou_name[ou_id] = name
        self.attached[ou_id] = {FULL_AWS_ACCESS}
        return ou_id

    @rule(data=st.data(), name=st.sampled_from(OU_NAMES), deepest=st.booleans())
    def create_ou(self, data: st.DataObject, name: str, deepest: bool) -> None:
        # Half the time the deepest container is the parent, so runs reach the depth limit.
        containers = self.containers()
        if deepest:
            parent = max(containers, key=self.depth)
        else:
            parent = data.draw(st.sampled_from(containers), label="parent")

        if self.depth(parent) >= MAX_DEPTH:
            with expect_error("ConstraintViolationException", "OU_DEPTH_LIMIT_EXCEEDED"):
                self.client.create_organizational_unit(ParentId=parent, Name=name)
            return
        siblings = self.children(parent)[0]
        if name in [self.ou_name[sibling] for sibling in siblings]:
            with expect_error("DuplicateOrganizationalUnitException"):
                self.client.create_organizational_unit(ParentId=parent, Name=name)
            return

        self._create_ou(parent, name)

    @precondition(lambda self: bool(self.ou_parent))
    @rule(data=st.data())
    def delete_ou(self, data: st.DataObject) -> None:
        ou_id = data.draw(st.sampled_from(list(self.ou_parent)), label="ou")

        if any(self.children(ou_id)):
            with expect_error("OrganizationalUnitNotEmptyException"):
                self.client.delete_organizational_unit(OrganizationalUnitId=ou_id)
            return

        self.client.delete_organizational_unit(OrganizationalUnitId=ou_id)
        del self.ou_parent[ou_id]
        del self.ou_name[ou_id]
        del self.attached[ou_id]

    @precondition(lambda self: len(self.account_parent) <= MAX_MEMBERS)
    @rule()
    def create_account(self) -> None:
        account_id = create_member_account(self.server, self.org.client)
        self.account_parent[account_id] = self.org.root_id
        self.attached[account_id] = {FULL_AWS_ACCESS}

    @precondition(lambda self: len(self.account_parent) <= MAX_MEMBERS)
    @rule()
    def invite_account(self) -> None:
        account_id = invite_and_join(self.server, self.client).account_id
        self.account_parent[account_id] = self.org.root_id
        self.attached[account_id] = {FULL_AWS_ACCESS}
        self.invited.add(account_id)

    @precondition(lambda self: len(self.account_parent) > 1)
    @rule(data=st.data())
    def remove_account(self, data: st.DataObject) -> None:
        members = [account for account in self.account_parent if account != self.management_id]
        account_id = data.draw(st.sampled_from(members), label="member")

        if account_id not in self.invited:
            with expect_error("ConstraintViolationException", "WAIT_PERIOD_ACTIVE"):
                self.client.remove_account_from_organization(AccountId=account_id)
            return
        self.client.remove_account_from_organization(AccountId=account_id)
        del self.account_parent[account_id]
        del self.attached[account_id]
        self.invited.discard(account_id)

    @rule(data=st.data(), stay=st.integers(0, 4))
    def move_account(self, data: st.DataObject, stay: int) -> None:
        account_id = data.draw(st.sampled_from(list(self.account_parent)), label="account")
        source = self.account_parent[account_id]
        # One move in five targets the current parent; the others go elsewhere when they can.
        elsewhere = [container for container in self.containers() if container != source]
        if stay == 0 or not elsewhere:
            destination = source
        else:
            destination = data.draw(st.sampled_from(elsewhere), label="destination")

        def move() -> None:
            self.client.move_account(
                AccountId=account_id, SourceParentId=source, DestinationParentId=destination
            )

        if destination == source:
            with expect_error("DuplicateAccountException"):
                move()
            return
        move()
        self.account_parent[account_id] = destination

    # Five custom SCPs and FullAWSAccess are enough to exceed the limit of five per target.
    @precondition(lambda self: len(self.policies) < MAX_SCPS_PER_TARGET)
    @rule()
    def create_policy(self) -> None:
        policy = self.client.create_policy(
            Name=f"deny-{secrets.token_hex(4)}",
            Description="state machine policy",
            Type=SCP,
            Content=DENY_CONTENT,
        )["Policy"]["PolicySummary"]
        self.policies.append(policy["Id"])

    @precondition(lambda self: bool(self.policies))
    @rule(data=st.data(), busiest=st.booleans())
    def attach_policy(self, data: st.DataObject, busiest: bool) -> None:
        policy_id = data.draw(st.sampled_from(self.policies), label="policy")
        # Half the time the target with the most SCPs, so runs reach the attachment limit.
        if busiest:
            target = max(self.targets(), key=lambda candidate: len(self.attached[candidate]))
        else:
            target = data.draw(st.sampled_from(self.targets()), label="target")

        def attach() -> None:
            self.client.attach_policy(PolicyId=policy_id, TargetId=target)

        if policy_id in self.attached[target]:
            with expect_error("DuplicatePolicyAttachmentException"):
                attach()
            return
        if len(self.attached[target]) >= MAX_SCPS_PER_TARGET:
            with expect_error(
                "ConstraintViolationException", "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
            ):
                attach()
            return
        attach()
        self.attached[target].add(policy_id)

    @rule(data=st.data(), attached_only=st.booleans())
    def detach_policy(self, data: st.DataObject, attached_only: bool) -> None:
        target = data.draw(st.sampled_from(self.targets()), label="target")
        # Half the time a policy the target has, so that most detachments can succeed.
        choices = sorted(self.attached[target]) if attached_only else self.policies
        policy_id = data.draw(st.sampled_from([FULL_AWS_ACCESS, *choices]), label="policy")

        def detach() -> None:
            self.client.detach_policy(PolicyId=policy_id, TargetId=target)

        if policy_id not in self.attached[target]:
            with expect_error("PolicyNotAttachedException"):
                detach()
            return
        if len(self.attached[target]) == 1:
            with expect_error(
                "ConstraintViolationException", "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
            ):
                detach()
            return
        detach()
        self.attached[target].discard(policy_id)

    # Checks after every step

    @invariant()
    def children_match(self) -> None:
        if self.organization is None:
            return
        for container in self.containers():
            expected_ous, expected_accounts = self.children(container)
            ous = self._list_children(container, "ORGANIZATIONAL_UNIT")
            accounts = self._list_children(container, "ACCOUNT")
            assert sorted(ous) == sorted(expected_ous), container
            assert sorted(accounts) == sorted(expected_accounts), container

    @invariant()
    def parents_match(self) -> None:
        if self.organization is None:
            return
        for child, parent in [*self.ou_parent.items(), *self.account_parent.items()]:
            parents = self.client.list_parents(ChildId=child)["Parents"]
            parent_type = "ROOT" if parent == self.org.root_id else "ORGANIZATIONAL_UNIT"
            assert parents == [{"Id": parent, "Type": parent_type}], child

    @invariant()
    def policies_match(self) -> None:
        if self.organization is None:
            return
        for target, expected in self.attached.items():
            policies = self.client.list_policies_for_target(TargetId=target, Filter=SCP)
            assert "NextToken" not in policies
            assert {policy["Id"] for policy in policies["Policies"]} == expected, target

    @invariant()
    def account_paths_match(self) -> None:
        if self.organization is None:
            return
        listed = self.client.list_accounts()
        assert "NextToken" not in listed
        paths = {account["Id"]: account["Paths"] for account in listed["Accounts"]}
        assert paths == {account: [self.path(account)] for account in self.account_parent}

    def _list_children(self, container: str, child_type: str) -> list[str]:
        paginator = self.client.get_paginator("list_children")
        pages = paginator.paginate(ParentId=container, ChildType=child_type)
        return [child["Id"] for page in pages for child in page["Children"]]


def test_tree_agrees_with_model(server: Server) -> None:
    TreeMachine.server = server
    run_state_machine_as_test(
        TreeMachine,
        settings=settings(
            max_examples=6,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

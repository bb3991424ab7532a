"""IAM Identity Center in the example organization that `orgstack serve --demo` loads.

After the organization exists, the loader enables its organization instance as
`orgstack identity-center enable` does. It then calls the sso-admin and identitystore APIs as the
management account's root user to create the groups Admins, Developers and ReadOnly, the
permission sets AdministratorAccess, Developer and ReadOnly, and the account assignments of a
typical landing zone. Last come the users alice, bob and carol, one per group, each with a
one-time password for the access portal.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from orgstack import identity_center
from orgstack.auth.principals import Principal
from orgstack.identity_center import Instance
from orgstack.server.pipeline import Pipeline
from orgstack.services.signin.administration import reset_password
from orgstack.services.signin.context import StepContext

log = logging.getLogger("orgstack.demo")

ADMINS = "Admins"
DEVELOPERS = "Developers"
READ_ONLY_GROUP = "ReadOnly"
GROUPS = {
    ADMINS: "Administrators of every account",
    DEVELOPERS: "Developers: write access in Testing (UAT) and Staging, read access elsewhere",
    READ_ONLY_GROUP: "Read access to every account",
}

ADMINISTRATOR_ACCESS = "AdministratorAccess"
DEVELOPER = "Developer"
READ_ONLY = "ReadOnly"


@dataclass(frozen=True)
class PermissionSetSpec:
    name: str
    description: str
    managed_policy_arn: str
    session_duration: str


# The Developer set grants PowerUserAccess, which writes to every service except IAM and
# Organizations. It is assigned only on the accounts where developers may change things (see
# DEVELOPER_WRITE_ACCOUNTS), and developers read the other workload accounts through the ReadOnly
# set, so the Developers group gets write access in Testing (UAT) and Staging only.
PERMISSION_SETS = (
    PermissionSetSpec(
        ADMINISTRATOR_ACCESS,
        "Full access to AWS services and resources",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "PT1H",
    ),
    PermissionSetSpec(
        DEVELOPER,
        "Write access except IAM and Organizations; assigned on Testing (UAT) and Staging only",
        "arn:aws:iam::aws:policy/PowerUserAccess",
        "PT4H",
    ),
    PermissionSetSpec(
        READ_ONLY,
        "Read access to AWS services and resources",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "PT8H",
    ),
)

DEVELOPER_WRITE_ACCOUNTS = ("Testing (UAT)", "Staging")
# The rest of the workload accounts: developers see them but change nothing there. The Security
# OU's Logging and Audit accounts stay closed to developers, as in a typical landing zone.
DEVELOPER_READ_ACCOUNTS = ("Production", "Development")

# (user name, given name, family name, group)
USERS = (
    ("alice", "Alice", "Admin", ADMINS),
    ("bob", "Bob", "Developer", DEVELOPERS),
    ("carol", "Carol", "Reader", READ_ONLY_GROUP),
)

# How long the loader waits for all account assignment jobs, which provision the roles.
ASSIGNMENT_TIMEOUT_SECONDS = 120


@dataclass
class DemoIdentityCenter:
    """Ids of what the loader created, for the start-up banner and tests."""

    instance_arn: str
    identity_store_id: str
    start_url: str
    groups: dict[str, str] = field(default_factory=dict)
    permission_sets: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    # user name → one-time password, printed once in the banner on standard output. Left out of
    # repr, so a logged repr of this object shows no password.
    one_time_passwords: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class PlannedAssignment:
    group: str
    permission_set: str
    account_id: str


def assignment_plan(
    management_account_id: str, accounts: dict[str, str]
) -> list[PlannedAssignment]:
    """Return the landing zone's assignments; `accounts` maps member account names to ids.

    Admins have AdministratorAccess and the ReadOnly group has ReadOnly on every account, the
    management account included. Developers have Developer on DEVELOPER_WRITE_ACCOUNTS and
    ReadOnly on DEVELOPER_READ_ACCOUNTS.
    """
    every_account = [management_account_id, *accounts.values()]
    plan = [PlannedAssignment(ADMINS, ADMINISTRATOR_ACCESS, account) for account in every_account]
    plan += [PlannedAssignment(READ_ONLY_GROUP, READ_ONLY, account) for account in every_account]
    plan += [
        PlannedAssignment(DEVELOPERS, DEVELOPER, accounts[name])
        for name in DEVELOPER_WRITE_ACCOUNTS
    ]
    plan += [
        PlannedAssignment(DEVELOPERS, READ_ONLY, accounts[name]) for name in DEVELOPER_READ_ACCOUNTS
    ]
    return plan


class IdentityCenterLoader:
    def __init__(self, pipeline: Pipeline, management: Principal, instance: Instance) -> None:
        self.pipeline = pipeline
        self.management = management
        self.instance = instance
        self.result = DemoIdentityCenter(
            instance_arn=instance.instance_arn,
            identity_store_id=instance.identity_store_id,
            start_url=instance.start_url or "",
        )

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        return self.pipeline.call_as(self.management, service, operation, params)

    def load(self, accounts: dict[str, str]) -> DemoIdentityCenter:
        for name, description in GROUPS.items():
            self.result.groups[name] = self.create_group(name, description)
        for spec in PERMISSION_SETS:
            self.result.permission_sets[spec.name] = self.create_permission_set(spec)
        for user_name, given_name, family_name, group in USERS:
            user_id = self.create_user(user_name, given_name, family_name)
            self.result.users[user_name] = user_id
            self.add_to_group(user_id, self.result.groups[group])

        plan = assignment_plan(self.management.account_id, accounts)
        request_ids = [self.assign(planned) for planned in plan]
        self.wait_for_assignments(request_ids)

        for user_name, *_ in USERS:
            self.result.one_time_passwords[user_name] = self.set_one_time_password(user_name)
        return self.result

    def create_group(self, name: str, description: str) -> str:
        created = self.call(
            "identitystore",
            "CreateGroup",
            IdentityStoreId=self.instance.identity_store_id,
            DisplayName=name,
            Description=description,
        )
        return str(created["GroupId"])

    def create_permission_set(self, spec: PermissionSetSpec) -> str:
        created = self.call(
            "sso-admin",
            "CreatePermissionSet",
            InstanceArn=self.instance.instance_arn,
            Name=spec.name,
            Description=spec.description,
            SessionDuration=spec.session_duration,
        )
        arn = str(created["PermissionSet"]["PermissionSetArn"])
        self.call(
            "sso-admin",
            "AttachManagedPolicyToPermissionSet",
            InstanceArn=self.instance.instance_arn,
            PermissionSetArn=arn,
            ManagedPolicyArn=spec.managed_policy_arn,
        )
        return arn

    def create_user(self, user_name: str, given_name: str, family_name: str) -> str:
        created = self.call(
            "identitystore",
            "CreateUser",
            IdentityStoreId=self.instance.identity_store_id,
            UserName=user_name,
            DisplayName=f"{given_name} {family_name}",
            Name={"GivenName": given_name, "FamilyName": family_name},
            Emails=[{"Value": f"{user_name}@example.com", "Type": "work", "Primary": True}],
        )
        return str(created["UserId"])

    def add_to_group(self, user_id: str, group_id: str) -> None:
        self.call(
            "identitystore",
            "CreateGroupMembership",
            IdentityStoreId=self.instance.identity_store_id,
            GroupId=group_id,
            MemberId={"UserId": user_id},
        )

    def assign(self, planned: PlannedAssignment) -> str:
        """Start one account assignment; return its request id."""
        started = self.call(
            "sso-admin",
            "CreateAccountAssignment",
            InstanceArn=self.instance.instance_arn,
            TargetId=planned.account_id,
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=self.result.permission_sets[planned.permission_set],
            PrincipalType="GROUP",
            PrincipalId=self.result.groups[planned.group],
        )
        return str(started["AccountAssignmentCreationStatus"]["RequestId"])

    def wait_for_assignments(self, request_ids: list[str]) -> None:
        """Wait until every assignment job, which also provisions the role, has succeeded."""
        deadline = time.monotonic() + ASSIGNMENT_TIMEOUT_SECONDS
        for request_id in request_ids:
            while True:
                status = self.call(
                    "sso-admin",
                    "DescribeAccountAssignmentCreationStatus",
                    InstanceArn=self.instance.instance_arn,
                    AccountAssignmentCreationRequestId=request_id,
                )["AccountAssignmentCreationStatus"]
                if status["Status"] != "IN_PROGRESS":
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the demo account assignment `{request_id}` timed out after "
                        f"{ASSIGNMENT_TIMEOUT_SECONDS} seconds"
                    )
                time.sleep(0.05)
            if status["Status"] != "SUCCEEDED":
                raise RuntimeError(
                    f"the demo account assignment `{request_id}` on account "
                    f"`{status.get('TargetId')}` failed: {status.get('FailureReason')}"
                )

    def set_one_time_password(self, user_name: str) -> str:
        """Give the user a one-time password, as `orgstack identity-center reset-password` does."""
        with self.pipeline.database.transaction() as connection:
            context = StepContext(
                connection, self.pipeline.box, self.pipeline.clock.now(), "", "orgstack-demo"
            )
            return reset_password(context, self.instance.identity_store_id, user_name)


def enable_instance(pipeline: Pipeline, management_account_id: str) -> Instance:
    """Enable the organization instance with the function `orgstack identity-center enable` uses."""
    with pipeline.database.transaction() as connection:
        return identity_center.enable_organization_instance(
            connection, management_account_id, pipeline.settings.base_url, pipeline.clock.now()
        )


def load(pipeline: Pipeline, management: Principal, accounts: dict[str, str]) -> DemoIdentityCenter:
    """Enable Identity Center for the demo organization and fill it; return what was created."""
    instance = enable_instance(pipeline, management.account_id)
    loaded = IdentityCenterLoader(pipeline, management, instance).load(accounts)
    log.info(
        "demo: loaded IAM Identity Center identity_store_id=%s users=%d permission_sets=%d",
        loaded.identity_store_id,
        len(loaded.users),
        len(loaded.permission_sets),
    )
    return loaded


def banner_lines(loaded: DemoIdentityCenter) -> list[str]:
    """Return the banner's lines about the access portal, with each user's one-time password."""
    lines = [f"# IAM Identity Center access portal: {loaded.start_url}"]
    for user_name, *_names, group in USERS:
        password = loaded.one_time_passwords.get(user_name)
        if password is not None:
            lines.append(f"#   {user_name} ({group}) one-time password: {password}")
    lines.append("# Each user chooses a new password at the first sign-in.")
    return lines

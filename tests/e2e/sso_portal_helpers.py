"""An organization whose Identity Center users have account assignments, for the access
portal tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.e2e.identity_center_helpers import new_group, new_user
from tests.e2e.sso_admin_helpers import IdentityCenter, assign, new_identity_center
from tests.harness import Server, create_member_account


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


DEVELOPER_POLICY = policy(
    {"Effect": "Allow", "Action": "organizations:DescribeOrganization", "Resource": "*"}
)
# Lists roles only with the session tag that attributes for access control set from userName.
AUDITOR_POLICY = policy(
    {
        "Effect": "Allow",
        "Action": "iam:ListRoles",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/UserName": "alice.smith"}},
    }
)


@dataclass(frozen=True)
class Portal:
    center: IdentityCenter
    account_a: str
    account_b: str
    alice: str
    bob: str
    developer_arn: str


def permission_set(center: IdentityCenter, name: str, document: str, duration: str) -> str:
    created = center.sso_admin.create_permission_set(
        InstanceArn=center.instance_arn, Name=name, SessionDuration=duration
    )
    arn = str(created["PermissionSet"]["PermissionSetArn"])
    center.sso_admin.put_inline_policy_to_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn, InlinePolicy=document
    )
    return arn


def build_portal(server: Server) -> Portal:
    """Alice has Developer and Auditor in account A; Bob has Developer in B through a group."""
    center = new_identity_center(server)
    account_a = create_member_account(server, center.organizations, "Workloads A")
    account_b = create_member_account(server, center.organizations, "Workloads B")
    alice = new_user(
        center.identitystore,
        center.store_id,
        "alice.smith",
        Emails=[{"Value": "alice@example.com", "Type": "work", "Primary": True}],
    )
    bob = new_user(center.identitystore, center.store_id, "bob.jones")
    engineers = new_group(center.identitystore, center.store_id, "Engineers")
    center.identitystore.create_group_membership(
        IdentityStoreId=center.store_id, GroupId=engineers, MemberId={"UserId": bob}
    )
    center.sso_admin.create_instance_access_control_attribute_configuration(
        InstanceArn=center.instance_arn,
        InstanceAccessControlAttributeConfiguration={
            "AccessControlAttributes": [
                {"Key": "UserName", "Value": {"Source": ["${path:userName}"]}},
                {"Key": "Email", "Value": {"Source": ["${path:emails[primary eq true].value}"]}},
            ]
        },
    )

    developer = permission_set(center, "Developer", DEVELOPER_POLICY, "PT2H")
    auditor = permission_set(center, "Auditor", AUDITOR_POLICY, "PT1H")
    for arn, account, principal, kind in (
        (developer, account_a, alice, "USER"),
        (auditor, account_a, alice, "USER"),
        (developer, account_b, engineers, "GROUP"),
    ):
        assert assign(center, arn, account, principal, kind)["Status"] == "SUCCEEDED"
    return Portal(center, account_a, account_b, alice, bob, developer)

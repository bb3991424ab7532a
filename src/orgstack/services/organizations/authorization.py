"""The IAM resources and condition keys of the Organizations operations.

From the Service Authorization Reference ("Actions, resources, and condition keys for AWS
Organizations"): an operation on a root, OU, account, policy or handshake is authorized on that
resource's ARN, and an operation that names several (AttachPolicy: the policy and the target;
MoveAccount: the account and both parents) is authorized on each. `organizations:PolicyType` and
`organizations:ServicePrincipal` are set where the reference lists them. Operations not declared
here have no resource type and are authorized on `"*"`.

Resource ARNs need the caller's organization; a caller in no organization is authorized on `"*"`,
and the handler then raises `AWSOrganizationsNotInUseException`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from orgstack import ids
from orgstack.authorize.actions import (
    ANY,
    CallerOrganization,
    Check,
    Target,
    authorizes,
    request_tag_keys,
)
from orgstack.policy.request import ContextValue
from orgstack.services.organizations import handshake_store, policy_store
from orgstack.services.registry import Params, RequestContext

Keys = dict[str, ContextValue]


class Resources:
    """Builds the ARNs of the caller's organization's resources."""

    def __init__(self, context: RequestContext, organization: CallerOrganization) -> None:
        self.context = context
        self.organization = organization

    def node(self, node_id: str) -> Target:
        """Return the root, OU or account with this id (by its prefix)."""
        management = self.organization.management_account_id
        organization = self.organization.organization_id
        if node_id.startswith("r-"):
            arn = ids.root_arn(management, organization, node_id)
        elif node_id.startswith("ou-"):
            arn = ids.ou_arn(management, organization, node_id)
        else:
            arn = ids.account_arn(management, organization, node_id)
        return Target(arn, tag_id=node_id, in_caller_account=True)

    def policy(self, policy_id: str) -> tuple[Target, str | None]:
        """Return the policy's target and type; an unknown policy gets a well-formed SCP ARN."""
        organization = self.organization
        found = policy_store.find_policy(self.context.db, organization.organization_id, policy_id)
        if found is None:
            arn = ids.policy_arn(
                organization.management_account_id,
                organization.organization_id,
                "service_control_policy",
                policy_id,
            )
            return Target(arn, in_caller_account=True), None
        tag_id = None if found.aws_managed else found.id
        return Target(found.arn, tag_id=tag_id, in_caller_account=True), found.type

    def handshake(self, handshake_id: str) -> Target:
        found = handshake_store.find_handshake(self.context.db, handshake_id)
        if found is None:
            return ANY
        return Target(found.arn, in_caller_account=True)

    def taggable(self, resource_id: str) -> Target:
        if resource_id.startswith("p-"):
            return self.policy(resource_id)[0]
        if resource_id.startswith("rp-"):
            arn = ids.resource_policy_arn(
                self.organization.management_account_id,
                self.organization.organization_id,
                resource_id,
            )
            return Target(arn, tag_id=resource_id, in_caller_account=True)
        return self.node(resource_id)


Builder = Callable[[Resources, Params], Sequence[Check]]


def declare(operation: str) -> Callable[[Builder], Builder]:
    """Declare the checks of `operation`, built from the caller's organization."""

    def register(builder: Builder) -> Builder:
        def derive(
            context: RequestContext, params: Params, organization: CallerOrganization | None
        ) -> Sequence[Check]:
            if organization is None:
                return (Check(f"organizations:{operation}", ANY, request_tag_keys(params)),)
            return builder(Resources(context, organization), params)

        authorizes("organizations", operation)(derive)
        return builder

    return register


def _checks(operation: str, targets: Sequence[Target], keys: Keys | None = None) -> list[Check]:
    action = f"organizations:{operation}"
    return [Check(action, target, keys or {}) for target in targets]


def _policy_type(policy_type: object) -> Keys:
    return {"organizations:PolicyType": str(policy_type)} if policy_type else {}


def _on_account(operation: str) -> Builder:
    def build(resources: Resources, params: Params) -> Sequence[Check]:
        keys: Keys = {}
        if params.get("ServicePrincipal"):
            keys["organizations:ServicePrincipal"] = str(params["ServicePrincipal"])
        return _checks(operation, [resources.node(str(params["AccountId"]))], keys)

    return build


for _name in (
    "CloseAccount",
    "DescribeAccount",
    "RemoveAccountFromOrganization",
    "ListDelegatedServicesForAccount",
    "RegisterDelegatedAdministrator",
    "DeregisterDelegatedAdministrator",
):
    declare(_name)(_on_account(_name))


def _on_node(operation: str, member: str) -> Builder:
    def build(resources: Resources, params: Params) -> Sequence[Check]:
        keys = request_tag_keys(params)
        return _checks(operation, [resources.node(str(params[member]))], keys)

    return build


for _name, _member in (
    ("CreateOrganizationalUnit", "ParentId"),
    ("DescribeOrganizationalUnit", "OrganizationalUnitId"),
    ("UpdateOrganizationalUnit", "OrganizationalUnitId"),
    ("DeleteOrganizationalUnit", "OrganizationalUnitId"),
    ("ListAccountsForParent", "ParentId"),
    ("ListChildren", "ParentId"),
    ("ListOrganizationalUnitsForParent", "ParentId"),
    ("ListParents", "ChildId"),
):
    declare(_name)(_on_node(_name, _member))


def _on_handshake(operation: str) -> Builder:
    def build(resources: Resources, params: Params) -> Sequence[Check]:
        return _checks(operation, [resources.handshake(str(params["HandshakeId"]))])

    return build


for _name in ("AcceptHandshake", "CancelHandshake", "DeclineHandshake", "DescribeHandshake"):
    declare(_name)(_on_handshake(_name))


def _on_policy(operation: str, with_target: bool) -> Builder:
    def build(resources: Resources, params: Params) -> Sequence[Check]:
        target, policy_type = resources.policy(str(params["PolicyId"]))
        targets = [target]
        if with_target:
            targets.append(resources.node(str(params["TargetId"])))
        return _checks(operation, targets, _policy_type(policy_type))

    return build


for _name in ("DescribePolicy", "UpdatePolicy", "DeletePolicy", "ListTargetsForPolicy"):
    declare(_name)(_on_policy(_name, with_target=False))
for _name in ("AttachPolicy", "DetachPolicy"):
    declare(_name)(_on_policy(_name, with_target=True))


def _on_root_policy_type(operation: str) -> Builder:
    def build(resources: Resources, params: Params) -> Sequence[Check]:
        keys = _policy_type(params.get("PolicyType"))
        return _checks(operation, [resources.node(str(params["RootId"]))], keys)

    return build


for _name in ("EnablePolicyType", "DisablePolicyType"):
    declare(_name)(_on_root_policy_type(_name))


def _on_tagged(operation: str) -> Builder:
    def build(resources: Resources, params: Params) -> Sequence[Check]:
        target = resources.taggable(str(params["ResourceId"]))
        return _checks(operation, [target], request_tag_keys(params))

    return build


for _name in ("TagResource", "UntagResource", "ListTagsForResource"):
    declare(_name)(_on_tagged(_name))


@declare("MoveAccount")
def _move_account(resources: Resources, params: Params) -> Sequence[Check]:
    targets = [
        resources.node(str(params["AccountId"])),
        resources.node(str(params["SourceParentId"])),
        resources.node(str(params["DestinationParentId"])),
    ]
    return _checks("MoveAccount", targets)


@declare("ListPoliciesForTarget")
def _list_policies_for_target(resources: Resources, params: Params) -> Sequence[Check]:
    target = resources.node(str(params["TargetId"]))
    return _checks("ListPoliciesForTarget", [target], _policy_type(params.get("Filter")))


@declare("DescribeEffectivePolicy")
def _describe_effective_policy(resources: Resources, params: Params) -> Sequence[Check]:
    keys = _policy_type(params.get("PolicyType"))
    target_id = params.get("TargetId") or resources.organization.caller_account_id
    return _checks("DescribeEffectivePolicy", [resources.node(str(target_id))], keys)


def _with_keys(operation: str, make_keys: Callable[[Params], Keys]) -> Builder:
    def build(resources: Resources, params: Params) -> Sequence[Check]:
        return _checks(operation, [ANY], make_keys(params))

    return build


def _service_principal(params: Params) -> Keys:
    principal = params.get("ServicePrincipal")
    return {"organizations:ServicePrincipal": str(principal)} if principal else {}


for _name in (
    "EnableAWSServiceAccess",
    "DisableAWSServiceAccess",
    "ListDelegatedAdministrators",
):
    declare(_name)(_with_keys(_name, _service_principal))


def _created_policy_keys(params: Params) -> Keys:
    keys = _policy_type(params.get("Type"))
    keys.update(request_tag_keys(params))
    return keys


declare("CreatePolicy")(_with_keys("CreatePolicy", _created_policy_keys))
declare("ListPolicies")(
    _with_keys("ListPolicies", lambda params: _policy_type(params.get("Filter")))
)

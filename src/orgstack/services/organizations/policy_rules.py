"""AWS's rules for Organizations policies: content checks, quotas and the errors they raise.

Quotas follow the AWS Organizations User Guide, "Quotas and service limits for AWS
Organizations" and "Managing policies in AWS Organizations". Messages are AWS's own text where
it is known from real replies, otherwise the sentence the API reference documents.
"""

from __future__ import annotations

from orgstack.policy import FindingType, PolicyKind, validate
from orgstack.services.organizations.access import OrganizationView
from orgstack.services.organizations.errors import (
    ConstraintViolationException,
    InvalidInputException,
    MalformedPolicyDocumentException,
    PolicyTypeNotAvailableForOrganizationException,
)
from orgstack.services.organizations.management_policies import (
    check_content_size,
    validate_content,
)

SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"

AUTHORIZATION_POLICY_KINDS = {
    SERVICE_CONTROL_POLICY: PolicyKind.SCP,
    RESOURCE_CONTROL_POLICY: PolicyKind.RCP,
}

# "Number of policies of each type in an organization": the quotas page lists 10,000 SCPs and
# 1,000 of every other type.
DEFAULT_POLICIES_PER_ORGANIZATION = 1_000
POLICIES_PER_ORGANIZATION = {SERVICE_CONTROL_POLICY: 10_000}

# "Maximum number you can attach to a root, OU, or account", per type. The guide's table gives 5
# for SCPs and AI services opt-out policies and 10 for tag and backup policies.
# NOTE: the numbers for RCPs (5), chat applications policies (5), declarative policies (10) and
# every type without an entry (10) are guesses in the same pattern, not published values.
ATTACHMENTS_PER_TARGET = {
    SERVICE_CONTROL_POLICY: 5,
    RESOURCE_CONTROL_POLICY: 5,
    "AISERVICES_OPT_OUT_POLICY": 5,
    "CHATBOT_POLICY": 5,
    "TAG_POLICY": 10,
    "BACKUP_POLICY": 10,
    "DECLARATIVE_POLICY_EC2": 10,
}
DEFAULT_ATTACHMENTS_PER_TARGET = 10

# Every root, OU and account must keep at least one SCP while SCPs are enabled.
MIN_ATTACHMENTS_PER_TARGET = {SERVICE_CONTROL_POLICY: 1}

MALFORMED_POLICY_MESSAGE = (
    "The provided policy document does not meet the requirements of the specified policy type."
)


def policies_per_organization(policy_type: str) -> int:
    return POLICIES_PER_ORGANIZATION.get(policy_type, DEFAULT_POLICIES_PER_ORGANIZATION)


def attachments_per_target(policy_type: str) -> int:
    return ATTACHMENTS_PER_TARGET.get(policy_type, DEFAULT_ATTACHMENTS_PER_TARGET)


def check_content(policy_type: str, content: str) -> None:
    """Raise the AWS error for content that is too large or not in the type's grammar.

    The size counts characters of the content as sent, whitespace included, as AWS does for
    documents saved through the API. SCPs and RCPs are checked with the IAM policy engine's
    grammar for their kind; the other types with their management policy grammar.
    """
    size_error = check_content_size(policy_type, content)
    if size_error is not None:
        raise content_limit_exceeded()

    kind = AUTHORIZATION_POLICY_KINDS.get(policy_type)
    if kind is not None:
        findings = validate(content, kind)
        if any(finding.finding_type is FindingType.ERROR for finding in findings):
            raise MalformedPolicyDocumentException(MALFORMED_POLICY_MESSAGE)
        return

    # The size already passed, so every error left is a malformed document.
    if validate_content(policy_type, content):
        raise MalformedPolicyDocumentException(MALFORMED_POLICY_MESSAGE)


def require_type_available(view: OrganizationView, policy_type: str) -> None:
    """Raise when the organization's feature set cannot use `policy_type`.

    Every policy type needs all features. For SCPs and RCPs AWS raises
    ORGANIZATION_NOT_IN_ALL_FEATURES_MODE. For the management policy types orgstack raises
    PolicyTypeNotAvailableForOrganizationException, the error the API reference gives for a type
    that the feature set does not offer.
    """
    if view.all_features:
        return
    if policy_type in AUTHORIZATION_POLICY_KINDS:
        raise not_in_all_features_mode()
    raise PolicyTypeNotAvailableForOrganizationException()


def not_in_all_features_mode() -> ConstraintViolationException:
    return ConstraintViolationException(
        "You attempted to perform an operation that requires the organization to be configured "
        "to support all features. An organization that supports only consolidated billing "
        "features can't perform this operation.",
        Reason="ORGANIZATION_NOT_IN_ALL_FEATURES_MODE",
    )


def content_limit_exceeded() -> ConstraintViolationException:
    return ConstraintViolationException(
        "You attempted to create a policy that is larger than the maximum size.",
        Reason="POLICY_CONTENT_LIMIT_EXCEEDED",
    )


def policy_number_limit_exceeded() -> ConstraintViolationException:
    return ConstraintViolationException(
        "You attempted to exceed the number of policies that you can have in an organization.",
        Reason="POLICY_NUMBER_LIMIT_EXCEEDED",
    )


def attachment_limit_exceeded() -> ConstraintViolationException:
    # The sentence AWS sends, as seen in AttachPolicy replies.
    return ConstraintViolationException(
        "You have attached the maximum number of policies to the specified target.",
        Reason="MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
    )


def last_attachment() -> ConstraintViolationException:
    return ConstraintViolationException(
        "You attempted to detach a policy from an entity that would cause the entity to have "
        "fewer than the minimum number of policies of a certain type required.",
        Reason="MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
    )


def immutable_policy() -> InvalidInputException:
    return InvalidInputException(
        "You specified a policy that is managed by Amazon Web Services and can't be modified.",
        Reason="IMMUTABLE_POLICY",
    )


def non_detachable_policy() -> InvalidInputException:
    return InvalidInputException(
        "You can't detach this Amazon Web Services Managed Policy.",
        Reason="NON_DETACHABLE_POLICY",
    )


def target_not_supported() -> InvalidInputException:
    return InvalidInputException(
        "You can't perform the specified operation on that target entity.",
        Reason="TARGET_NOT_SUPPORTED",
    )

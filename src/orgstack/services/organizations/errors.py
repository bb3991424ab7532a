"""The errors of AWS Organizations, one class per error code of the service model.

Default messages are the sentences AWS documents for each error (the model's shape
documentation); raise sites pass a more specific message where AWS sends one.
"""

from __future__ import annotations

from orgstack.protocol.errors import AwsError


class AWSOrganizationsNotInUseException(AwsError):
    default_message = "Your account isn't a member of an organization."


class AccessDeniedException(AwsError):
    default_message = "You don't have permissions to perform the requested operation."


class AccessDeniedForDependencyException(AwsError):
    default_message = (
        "The operation that you attempted requires you to have the iam:CreateServiceLinkedRole "
        "for organizations.amazonaws.com permission so that Organizations can create the required"
        " service-linked role."
    )


class AccountAlreadyClosedException(AwsError):
    default_message = "You attempted to close an account that is already closed."


class AccountAlreadyRegisteredException(AwsError):
    default_message = (
        "The specified account is already a delegated administrator for this Amazon Web Services "
        "service."
    )


class AccountNotFoundException(AwsError):
    default_message = (
        "We can't find an Amazon Web Services account with the AccountId that you specified, or "
        "the account whose credentials you used to make this request isn't a member of an "
        "organization."
    )


class AccountNotRegisteredException(AwsError):
    default_message = (
        "The specified account is not a delegated administrator for this Amazon Web Services "
        "service."
    )


class AccountOwnerNotVerifiedException(AwsError):
    default_message = (
        "You can't invite an existing account to your organization until you verify that you own "
        "the email address associated with the management account."
    )


class AlreadyInOrganizationException(AwsError):
    default_message = "This account is already a member of an organization."


class ChildNotFoundException(AwsError):
    default_message = (
        "We can't find an organizational unit (OU) or Amazon Web Services account with the "
        "ChildId that you specified."
    )


class ConcurrentModificationException(AwsError):
    default_message = (
        "The target of the operation is currently being modified by a different request."
    )


class ConflictException(AwsError):
    default_message = (
        "The request failed because it conflicts with the current state of the specified resource."
    )


class ConstraintViolationException(AwsError):
    default_message = "Performing this operation violates a minimum or maximum value limit."


class CreateAccountStatusNotFoundException(AwsError):
    default_message = (
        "We can't find an create account request with the CreateAccountRequestId that you "
        "specified."
    )


class DestinationParentNotFoundException(AwsError):
    default_message = (
        "We can't find the destination container (a root or OU) with the ParentId that you "
        "specified."
    )


class DuplicateAccountException(AwsError):
    default_message = "That account is already present in the specified destination."


class DuplicateHandshakeException(AwsError):
    default_message = "A handshake with the same action and target already exists."


class DuplicateOrganizationalUnitException(AwsError):
    default_message = "An OU with the same name already exists."


class DuplicatePolicyAttachmentException(AwsError):
    default_message = "The selected policy is already attached to the specified target."


class DuplicatePolicyException(AwsError):
    default_message = "A policy with the same name already exists."


class EffectivePolicyNotFoundException(AwsError):
    default_message = (
        "If you ran this action on the management account, this policy type is not enabled."
    )


class FinalizingOrganizationException(AwsError):
    default_message = (
        "Organizations couldn't perform the operation because your organization hasn't finished "
        "initializing."
    )


class HandshakeAlreadyInStateException(AwsError):
    default_message = "The specified handshake is already in the requested state."


class HandshakeConstraintViolationException(AwsError):
    default_message = (
        "The requested operation would violate the constraint identified in the reason code."
    )


class HandshakeNotFoundException(AwsError):
    default_message = "We can't find a handshake with the HandshakeId that you specified."


class InvalidHandshakeTransitionException(AwsError):
    default_message = "You can't perform the operation on the handshake in its current state."


class InvalidInputException(AwsError):
    default_message = (
        "The requested operation failed because you provided invalid values for one or more of "
        "the request parameters."
    )


class InvalidResponsibilityTransferTransitionException(AwsError):
    default_message = (
        "The responsibility transfer can't transition to the requested state because it's not in "
        "a valid state for this operation."
    )


class MalformedPolicyDocumentException(AwsError):
    default_message = (
        "The provided policy document doesn't meet the requirements of the specified policy type."
    )


class MasterCannotLeaveOrganizationException(AwsError):
    default_message = "You can't remove a management account from an organization."


class OrganizationNotEmptyException(AwsError):
    default_message = "The organization isn't empty."


class OrganizationalUnitNotEmptyException(AwsError):
    default_message = "The specified OU is not empty."


class OrganizationalUnitNotFoundException(AwsError):
    default_message = "We can't find an OU with the OrganizationalUnitId that you specified."


class ParentNotFoundException(AwsError):
    default_message = "We can't find a root or OU with the ParentId that you specified."


class PolicyChangesInProgressException(AwsError):
    default_message = (
        "Changes to the effective policy are in progress, and its contents can't be returned."
    )


class PolicyInUseException(AwsError):
    default_message = "The policy is attached to one or more entities."


class PolicyNotAttachedException(AwsError):
    default_message = "The policy isn't attached to the specified target in the specified root."


class PolicyNotFoundException(AwsError):
    default_message = "We can't find a policy with the PolicyId that you specified."


class PolicyTypeAlreadyEnabledException(AwsError):
    default_message = "The specified policy type is already enabled in the specified root."


class PolicyTypeNotAvailableForOrganizationException(AwsError):
    default_message = (
        "You can't use the specified policy type with the feature set currently enabled for this "
        "organization."
    )


class PolicyTypeNotEnabledException(AwsError):
    default_message = "The specified policy type isn't currently enabled in this root."


class ResourcePolicyNotFoundException(AwsError):
    default_message = (
        "We can't find a resource policy request with the parameter that you specified."
    )


class ResponsibilityTransferAlreadyInStatusException(AwsError):
    default_message = "The responsibility transfer is already in the status that you specified."


class ResponsibilityTransferNotFoundException(AwsError):
    default_message = "We can't find a transfer that you specified."


class RootNotFoundException(AwsError):
    default_message = "We can't find a root with the RootId that you specified."


class ServiceException(AwsError):
    status = 500
    sender_fault = False
    default_message = (
        "Organizations can't complete your request because of an internal service error."
    )


class SourceParentNotFoundException(AwsError):
    default_message = "We can't find a source root or OU with the ParentId that you specified."


class TargetNotFoundException(AwsError):
    default_message = (
        "We can't find a root, OU, account, or policy with the TargetId that you specified."
    )


class TooManyRequestsException(AwsError):
    default_message = "You have sent too many requests in too short a period of time."


class UnsupportedAPIEndpointException(AwsError):
    default_message = "This action isn't available in the current Amazon Web Services Region."

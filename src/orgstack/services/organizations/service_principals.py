"""The AWS service principals that Organizations recognizes for trusted access and delegation.

Source: the services that the AWS Organizations User Guide page "AWS services that you can use
with AWS Organizations" marks as supporting trusted access. AWS adds services to that page over
time, so an operator may meet a principal that is missing here.
"""

from __future__ import annotations

from orgstack.services.organizations.errors import InvalidInputException

# NOTE: this list was compiled from that page's service principals and checked against public
# configurations that enable them, not against the page itself. It also serves delegated
# administration, which AWS supports for only some of these services; orgstack accepts all.
TRUSTED_ACCESS_PRINCIPALS = frozenset(
    {
        "access-analyzer.amazonaws.com",
        "account.amazonaws.com",
        "auditmanager.amazonaws.com",
        "aws-artifact-account-sync.amazonaws.com",
        "backup.amazonaws.com",
        "member.org.stacksets.cloudformation.amazonaws.com",
        "cloudtrail.amazonaws.com",
        "compute-optimizer.amazonaws.com",
        "config.amazonaws.com",
        "config-multiaccountsetup.amazonaws.com",
        "controltower.amazonaws.com",
        "cost-optimization-hub.bcm.amazonaws.com",
        "detective.amazonaws.com",
        "devops-guru.amazonaws.com",
        "ds.amazonaws.com",
        "fms.amazonaws.com",
        "guardduty.amazonaws.com",
        "malware-protection.guardduty.amazonaws.com",
        "health.amazonaws.com",
        "iam.amazonaws.com",
        "inspector2.amazonaws.com",
        "ipam.amazonaws.com",
        "license-management.marketplace.amazonaws.com",
        "license-manager.amazonaws.com",
        "license-manager.member-account.amazonaws.com",
        "macie.amazonaws.com",
        "mgn.amazonaws.com",
        "networkmanager.amazonaws.com",
        "ram.amazonaws.com",
        "reachabilityanalyzer.networkinsights.amazonaws.com",
        "reporting.trustedadvisor.amazonaws.com",
        "resource-explorer-2.amazonaws.com",
        "securityhub.amazonaws.com",
        "securitylake.amazonaws.com",
        "servicecatalog.amazonaws.com",
        "servicequotas.amazonaws.com",
        "ssm.amazonaws.com",
        "sso.amazonaws.com",
        "storage-lens.s3.amazonaws.com",
        "tagpolicies.tag.amazonaws.com",
        "wellarchitected.amazonaws.com",
    }
)

# Delegated administrators allowed per service. CloudFormation StackSets allows five (its User
# Guide); every other service in the list allows one.
# NOTE: services with other limits (for example AWS Config) are held to one here.
DELEGATED_ADMINISTRATOR_LIMITS = {"member.org.stacksets.cloudformation.amazonaws.com": 5}
DEFAULT_DELEGATED_ADMINISTRATOR_LIMIT = 1


def require_recognized(service_principal: str) -> str:
    """Return the principal, or raise InvalidInputException (UNRECOGNIZED_SERVICE_PRINCIPAL)."""
    if service_principal not in TRUSTED_ACCESS_PRINCIPALS:
        raise InvalidInputException(
            "You specified a service principal that isn't recognized.",
            Reason="UNRECOGNIZED_SERVICE_PRINCIPAL",
        )
    return service_principal


def delegated_administrator_limit(service_principal: str) -> int:
    return DELEGATED_ADMINISTRATOR_LIMITS.get(
        service_principal, DEFAULT_DELEGATED_ADMINISTRATOR_LIMIT
    )

"""The shipped AWS managed policy data: complete, well-formed and valid for the policy engine."""

from __future__ import annotations

from orgstack.policy import FindingType, PolicyKind, validate
from orgstack.services.iam import aws_managed

REQUIRED = (
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "SecurityAudit",
    "job-function/Billing",
    "job-function/DatabaseAdministrator",
    "job-function/DataScientist",
    "job-function/NetworkAdministrator",
    "job-function/SupportUser",
    "job-function/SystemAdministrator",
    "job-function/ViewOnlyAccess",
)


def test_required_policies_are_shipped() -> None:
    for name in REQUIRED:
        assert aws_managed.find(f"arn:aws:iam::aws:policy/{name}") is not None, name


def test_arn_path_and_name_agree() -> None:
    for arn, policy in aws_managed.all_policies().items():
        assert arn == f"arn:aws:iam::aws:policy{policy.path}{policy.name}"
        assert policy.path.startswith("/")
        assert policy.path.endswith("/")
        assert policy.default_version_id.startswith("v")
        assert policy.created_at <= policy.updated_at


def test_policy_ids_are_unique() -> None:
    ids = [policy.policy_id for policy in aws_managed.all_policies().values()]
    assert len(set(ids)) == len(ids)
    assert all(policy_id.startswith("ANPA") and len(policy_id) == 21 for policy_id in ids)


def test_documents_have_no_errors() -> None:
    for arn, policy in aws_managed.all_policies().items():
        findings = validate(policy.document, PolicyKind.IDENTITY)
        errors = [
            finding.describe() for finding in findings if finding.finding_type is FindingType.ERROR
        ]
        assert errors == [], arn

"""CloudTrail-format records of API calls.

The fields are those of a current CloudTrail record (event version 1.11). Request and reply members
that botocore's model marks sensitive are replaced by the mask CloudTrail uses for their service
(`sensitive_mask`), and so are the members named in `SECRET_MEMBERS` wherever they appear.
Read-only calls record no reply: CloudTrail sets `responseElements` only for calls that change
something.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from orgstack.auth.principals import ASSUMED_ROLE, IDENTITY_CENTER_USER, Principal

EVENT_VERSION = "1.11"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

# Organizations masks its sensitive members (account name and email, handshake parties and notes)
# with four asterisks instead. The CreateAccount examples in the AWS Organizations User Guide
# ("Logging API calls with AWS CloudTrail") show `"email": "****"` and `"accountName": "****"` in
# both the request parameters and the reply.
SERVICE_MASKS = {"organizations": "****"}

# Members that hold a credential in any service's reply, redacted even when the model does not
# mark them sensitive.
SECRET_MEMBERS = frozenset(
    {
        "SecretAccessKey",
        "SessionToken",
        "secretAccessKey",
        "sessionToken",
        "accessToken",
        "refreshToken",
        "idToken",
        "clientSecret",
        "Password",
        "password",
        # sso-oidc codes that the model does not mark sensitive but that grant tokens.
        "deviceCode",
        "userCode",
        "code",
        "codeVerifier",
        "assertion",
        "subjectToken",
    }
)

EVENT_SOURCES = {
    "organizations": "organizations.amazonaws.com",
    "sts": "sts.amazonaws.com",
    "iam": "iam.amazonaws.com",
    "cloudtrail": "cloudtrail.amazonaws.com",
    "sso-admin": "sso.amazonaws.com",
    "sso": "sso.amazonaws.com",
    "sso-oidc": "sso-oauth.amazonaws.com",
    "identitystore": "identitystore.amazonaws.com",
}


@dataclass
class AuditEvent:
    """A record ready for the writer, with the columns LookupEvents filters on."""

    record: dict[str, Any]
    resources: list[tuple[str, str]] = field(default_factory=list)

    @property
    def event_id(self) -> str:
        return str(self.record["eventID"])


def user_identity(principal: Principal | None) -> dict[str, Any]:
    """Return CloudTrail's `userIdentity` block for the caller, or an anonymous one."""
    if principal is None:
        return {"type": "Unknown", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"}
    if principal.type == IDENTITY_CENTER_USER:
        return _identity_center_user(principal)
    identity: dict[str, Any] = {
        "type": principal.type,
        "principalId": principal.principal_id,
        "arn": principal.arn,
        "accountId": principal.account_id,
    }
    if principal.access_key_id:
        identity["accessKeyId"] = principal.access_key_id
    if principal.username:
        identity["userName"] = principal.username
    if principal.type == ASSUMED_ROLE and principal.session is not None:
        session = principal.session
        identity["sessionContext"] = {
            "sessionIssuer": {
                "type": "Role",
                "principalId": session.role_id,
                "arn": session.role_arn,
                "accountId": principal.account_id,
                "userName": session.role_name,
            },
            "attributes": {
                "creationDate": session.issued_at,
                "mfaAuthenticated": "true" if session.mfa_authenticated else "false",
            },
        }
    return identity


def _identity_center_user(principal: Principal) -> dict[str, Any]:
    """Return the block CloudTrail records for an access portal call by an Identity Center user."""
    return {
        "type": IDENTITY_CENTER_USER,
        "accountId": principal.account_id,
        "onBehalfOf": {
            "userId": principal.principal_id,
            "identityStoreArn": principal.identity_store_arn,
        },
        "credentialId": principal.credential_id,
    }


def sensitive_mask(service: str) -> str:
    """Return the text CloudTrail records in place of `service`'s sensitive values."""
    return SERVICE_MASKS.get(service, HIDDEN)


def redact(shape: Any, value: Any, mask: str = HIDDEN) -> Any:
    """Return `value` with sensitive members replaced by `mask`, following `shape` if given."""
    if isinstance(value, dict):
        members = shape.members if shape is not None and shape.type_name == "structure" else {}
        redacted: dict[str, Any] = {}
        for key, item in value.items():
            member = members.get(key)
            if key in SECRET_MEMBERS or (member is not None and _is_sensitive(member)):
                redacted[key] = mask
            else:
                redacted[key] = redact(member, item, mask)
        return redacted
    if isinstance(value, list):
        item_shape = shape.member if shape is not None and shape.type_name == "list" else None
        return [redact(item_shape, item, mask) for item in value]
    return value


def _is_sensitive(shape: Any) -> bool:
    return bool(shape.metadata.get("sensitive")) and shape.type_name in ("string", "blob")


def camel_keys(value: Any) -> Any:
    """Lower the first letter of every member name, as CloudTrail's request parameters do."""
    if isinstance(value, dict):
        return {_lower_first(key): camel_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        # A client may send any integer; JSON encoders of events stop at 64 bits.
        return str(value)
    return value


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:] if name[:1].isupper() else name


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class CallFacts:
    """The facts of one API call that the pipeline records in its event."""

    service: str
    operation: str
    region: str
    source_ip: str
    user_agent: str
    request_id: str
    read_only: bool
    caller: Principal | None
    event_time: dt.datetime
    recipient_account_id: str | None


def api_call_event(
    facts: CallFacts,
    request_parameters: Any,
    response_elements: Any,
    error_code: str | None = None,
    error_message: str | None = None,
    additional_event_data: dict[str, Any] | None = None,
    resources: list[tuple[str, str]] | None = None,
) -> AuditEvent:
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(facts.caller),
        "eventTime": format_time(facts.event_time),
        "eventSource": EVENT_SOURCES.get(facts.service, f"{facts.service}.amazonaws.com"),
        "eventName": facts.operation,
        "awsRegion": facts.region,
        "sourceIPAddress": facts.source_ip,
        "userAgent": facts.user_agent,
        "requestParameters": request_parameters,
        "responseElements": None if facts.read_only else response_elements,
    }
    if error_code is not None:
        record["errorCode"] = error_code
        record["errorMessage"] = error_message or ""
    if additional_event_data:
        record["additionalEventData"] = additional_event_data
    record.update(
        {
            "requestID": facts.request_id,
            "eventID": time_ordered_event_id(facts.event_time),
            "readOnly": facts.read_only,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": facts.recipient_account_id,
            "eventCategory": "Management",
        }
    )
    if resources:
        record["resources"] = [
            {"type": resource_type, "ARN": name} for resource_type, name in resources
        ]
    return AuditEvent(record, list(resources or []))


def service_event(
    service: str,
    event_name: str,
    account_id: str,
    event_time: dt.datetime,
    details: dict[str, Any],
    region: str = "us-east-1",
    invoked_by: str | None = None,
    resources: list[tuple[str, str]] | None = None,
) -> AuditEvent:
    """Build the record of work a service did on its own, such as `CreateAccountResult`.

    CloudTrail records such work as an `AwsServiceEvent` invoked by the service, with the outcome
    in `serviceEventDetails` and no request or reply (AWS Organizations User Guide, "Logging API
    calls with AWS CloudTrail"). `invoked_by` defaults to the service's endpoint name; the guide's
    examples also show "AWS Internal". `details` must already be masked.
    """
    source = EVENT_SOURCES.get(service, f"{service}.amazonaws.com")
    invoker = invoked_by or source
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": {"accountId": account_id, "invokedBy": invoker},
        "eventTime": format_time(event_time),
        "eventSource": source,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": invoker,
        "userAgent": invoker,
        "requestParameters": None,
        "responseElements": None,
        "eventID": time_ordered_event_id(event_time),
        "readOnly": False,
        "eventType": "AwsServiceEvent",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "serviceEventDetails": details,
        "eventCategory": "Management",
    }
    if resources:
        record["resources"] = [
            {"type": resource_type, "ARN": name} for resource_type, name in resources
        ]
    return AuditEvent(record, list(resources or []))


def time_ordered_event_id(moment: dt.datetime) -> str:
    """Return a random UUID whose first 48 bits are `moment` in milliseconds (UUID version 7).

    `eventTime` has whole seconds, so LookupEvents orders the events of one second by event id.
    A time-ordered id makes that order the order in which the calls finished.
    """
    milliseconds = int(moment.timestamp() * 1000) & ((1 << 48) - 1)
    random_bits = uuid.uuid4().int & ((1 << 80) - 1)
    value = (milliseconds << 80) | random_bits
    # Version 7 in bits 76-79 and the RFC 9562 variant in bits 62-63.
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return str(uuid.UUID(int=value))


def parse_time(text: str) -> dt.datetime:
    """Parse an event time such as `2026-01-02T03:04:05Z` (fromisoformat is C code, strptime is
    not, and every audit row needs one)."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)

"""Measure what IAM enforcement costs a read call, in process and without HTTP.

Run: `.venv/bin/python bench/enforcement_bench.py [--calls N]`. The benchmark builds a server
runtime on a temporary SQLite store and creates an organization whose member account sits three
OUs deep with two SCPs at every level. Real boto3 clients then send their requests to
`Pipeline.handle` directly, through a botocore `before-send` hook. For each read call it
prints the median and 99th percentile of the pipeline's latency, the median time spent in
`Authorizer.authorize`, and that time as a share of the latency; then the latency with
authorization switched off, for comparison. Writes nothing outside its temporary directory.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from cryptography.fernet import Fernet

from orgstack.config import Settings
from orgstack.protocol.wire import HttpRequest
from orgstack.server.pipeline import Pipeline
from orgstack.server.runtime import build_runtime

REGION = "us-east-1"
OU_DEPTH = 3
# Calls per block when alternating between timing with and without authorization.
BLOCK = 100
DENY_REGIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyOutsideApprovedRegions",
            "Effect": "Deny",
            "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
        }
    ],
}


class _Body:
    """The raw body object botocore reads a response from."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


class InProcess:
    """Sends boto3 requests to a pipeline in this process and times each call."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.latencies: list[float] = []

    def client(self, service: str, key_id: str, secret: str, token: str | None = None) -> Any:
        client = boto3.session.Session().client(
            service,
            endpoint_url="http://127.0.0.1:9",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=Config(region_name=REGION, retries={"total_max_attempts": 1}),
        )
        client.meta.events.register("before-send", self._send)
        return client

    def _send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        path, _, query = request.url.split("://", 1)[1].partition("/")[2].partition("?")
        headers = [(name.lower(), _text(value)) for name, value in request.headers.items()]
        body = request.body or b""
        http_request = HttpRequest(
            method=request.method,
            path="/" + path,
            query_string=query,
            headers=dict(headers),
            raw_headers=headers,
            body=body if isinstance(body, bytes) else body.encode(),
            client_ip="127.0.0.1",
        )
        started = time.perf_counter()
        response, _outcome = self.pipeline.handle(http_request)
        self.latencies.append(time.perf_counter() - started)
        response_headers = dict(response.headers)
        response_headers["content-type"] = response.content_type
        return AWSResponse(request.url, response.status, response_headers, _Body(response.body))


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


class AuthorizeTimer:
    """Wraps `Authorizer.authorize` and records how long each call spends in it."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.durations: list[float] = []
        self.enabled = True
        original = pipeline.authorizer.authorize

        def timed(*args: Any) -> None:
            if not self.enabled:
                return
            started = time.perf_counter()
            try:
                original(*args)
            finally:
                self.durations.append(time.perf_counter() - started)

        # Replacing the bound method is the point: the pipeline then calls through the timer.
        pipeline.authorizer.authorize = timed  # type: ignore[method-assign,assignment]


def _seed(sender: InProcess, key_id: str, secret: str) -> tuple[Any, Any]:
    """Build the organization and return a management client and a member role session client."""
    orgs = sender.client("organizations", key_id, secret)
    orgs.create_organization(FeatureSet="ALL")
    parent = orgs.list_roots()["Roots"][0]["Id"]
    deny = orgs.create_policy(
        Content=json.dumps(DENY_REGIONS),
        Description="",
        Name="DenyRegions",
        Type="SERVICE_CONTROL_POLICY",
    )["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=deny, TargetId=parent)
    for depth in range(OU_DEPTH):
        parent = orgs.create_organizational_unit(ParentId=parent, Name=f"Level{depth}")[
            "OrganizationalUnit"
        ]["Id"]
        orgs.attach_policy(PolicyId=deny, TargetId=parent)

    status = orgs.create_account(AccountName="Bench", Email=f"b-{secrets.token_hex(4)}@example.com")
    request_id = status["CreateAccountStatus"]["Id"]
    while status["CreateAccountStatus"]["State"] == "IN_PROGRESS":
        time.sleep(0.02)
        status = orgs.describe_create_account_status(CreateAccountRequestId=request_id)
    member = status["CreateAccountStatus"]["AccountId"]
    root_id = orgs.list_roots()["Roots"][0]["Id"]
    orgs.move_account(AccountId=member, SourceParentId=root_id, DestinationParentId=parent)
    orgs.attach_policy(PolicyId=deny, TargetId=member)

    sts = sender.client("sts", key_id, secret)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
        RoleSessionName="bench",
    )["Credentials"]
    session = sender.client(
        "organizations",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    return orgs, session


def _measure(
    sender: InProcess, timer: AuthorizeTimer, call: Callable[[], Any], calls: int
) -> tuple[list[float], list[float], list[float]]:
    """Time `calls` calls with authorization and as many without, in alternating blocks.

    Alternating spreads background noise (the audit writer's thread, other processes) evenly over
    both sides. Returns the latencies with authorization, the time spent authorizing, and the
    latencies without.
    """
    for _ in range(min(50, calls)):
        call()
    enforced: list[float] = []
    authorize: list[float] = []
    plain: list[float] = []
    for start in range(0, calls, BLOCK):
        size = min(BLOCK, calls - start)
        for enabled, latencies in ((True, enforced), (False, plain)):
            timer.enabled = enabled
            sender.latencies.clear()
            timer.durations.clear()
            for _ in range(size):
                call()
            latencies.extend(sender.latencies)
            authorize.extend(timer.durations)
    timer.enabled = True
    return enforced, authorize, plain


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def _report(name: str, latencies: list[float], authorize: list[float], plain: list[float]) -> None:
    median = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98]
    spent = statistics.median(authorize) if authorize else 0.0
    plain_median = statistics.median(plain)
    print(f"{name}")
    print(f"  pipeline latency      median {_ms(median)}  p99 {_ms(p99)}")
    print(f"  in Authorizer         median {_ms(spent)}  ({spent / median:.1%} of latency)")
    difference = _ms(median - plain_median)
    print(f"  without authorization median {_ms(plain_median)}  (difference {difference})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per read call")
    arguments = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="orgstack-enforcement-bench-"))
    key_id, secret = "AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'orgstack.db'}",
        master_key=Fernet.generate_key().decode(),
        root_access_key_id=key_id,
        root_secret_access_key=secret,
        max_accounts=1000,
    )
    runtime = build_runtime(settings)
    runtime.startup()
    try:
        sender = InProcess(runtime.pipeline)
        timer = AuthorizeTimer(runtime.pipeline)
        management, session = _seed(sender, key_id, secret)
        cases = (
            (
                "DescribeOrganization, member role session (3 OUs, 2 SCPs a level)",
                session.describe_organization,
            ),
            ("ListRoots, management account root user", management.list_roots),
        )
        for name, call in cases:
            enforced, authorize, plain = _measure(sender, timer, call, arguments.calls)
            _report(name, enforced, authorize, plain)
    finally:
        runtime.shutdown()


if __name__ == "__main__":
    main()

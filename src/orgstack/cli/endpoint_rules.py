"""`orgstack endpoint-rules`: point an AWS CLI v2 or SDK that ignores AWS_ENDPOINT_URL at orgstack.

Some clients, such as Debian's build of the AWS CLI v2, resolve every endpoint through the
service's endpoint rule set and do not read AWS_ENDPOINT_URL. botocore-based clients look for
data files in the directories of AWS_DATA_PATH before their own, so a rule set placed there
replaces the bundled one. The rule sets written here keep each service's declared parameters and
have a single rule: the orgstack endpoint, for every region.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import Any

import botocore

from orgstack.cli.commands import CommandError

RULE_SET_FILE = "endpoint-rule-set-1.json"
COMPRESSED_FILE = RULE_SET_FILE + ".gz"
# The services that orgstack serves, by their botocore names.
SERVICES = (
    "cloudtrail",
    "iam",
    "identitystore",
    "organizations",
    "sso",
    "sso-admin",
    "sso-oidc",
    "sts",
)
# The AWS CLI v2's botocore data directories: Debian's package first, then AWS's installer.
CLI_V2_DATA_DIRS = (
    Path("/usr/lib/python3/dist-packages/awscli/botocore/data"),
    Path("/usr/local/aws-cli/v2/current/dist/awscli/botocore/data"),
)


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "endpoint-rules",
        help="write endpoint rule sets that send an AWS CLI v2 to orgstack (use with "
        "AWS_DATA_PATH)",
    )
    parser.add_argument(
        "--endpoint",
        required=True,
        help="orgstack's URL, e.g. http://127.0.0.1:4580",
    )
    parser.add_argument(
        "--output",
        required=True,
        type=Path,
        help="directory to write into; then set AWS_DATA_PATH to it",
    )
    parser.add_argument(
        "--source",
        type=Path,
        help="botocore data directory whose rule sets to adapt (default: the AWS CLI v2's, "
        "else the botocore that orgstack uses)",
    )


def run(args: argparse.Namespace) -> int:
    endpoint = str(args.endpoint).rstrip("/")
    if not endpoint.startswith(("http://", "https://")):
        raise CommandError(
            f"invalid --endpoint {endpoint!r}: give a URL such as http://127.0.0.1:4580"
        )
    source = args.source or _default_source()
    written = [write_rule_set(source, Path(args.output), service, endpoint) for service in SERVICES]
    for path in written:
        print(path)
    print(f"export AWS_DATA_PATH={Path(args.output).resolve()}")
    return 0


def write_rule_set(source: Path, output: Path, service: str, endpoint: str) -> Path:
    """Write `service`'s rule set with the same parameters and one rule: `endpoint`."""
    version_dir = _latest_version(source, service)
    rule_set = _read_rule_set(version_dir)
    rule_set["rules"] = [
        {
            "conditions": [],
            "endpoint": {"url": endpoint, "properties": {}, "headers": {}},
            "type": "endpoint",
        }
    ]
    target = output / service / version_dir.name / RULE_SET_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(rule_set, indent=2) + "\n")
    return target


def _read_rule_set(version_dir: Path) -> dict[str, Any]:
    """Read a rule set, plain or gzip-compressed as newer botocore releases ship them."""
    plain = version_dir / RULE_SET_FILE
    if plain.is_file():
        return dict(json.loads(plain.read_text()))
    return dict(json.loads(gzip.decompress((version_dir / COMPRESSED_FILE).read_bytes())))


def _default_source() -> Path:
    for candidate in CLI_V2_DATA_DIRS:
        if candidate.is_dir():
            return candidate
    return Path(botocore.__file__).parent / "data"


def _latest_version(source: Path, service: str) -> Path:
    """Return the newest API version directory of `service` that has a rule set."""
    versions = sorted(
        (
            path
            for path in (source / service).glob("*")
            if (path / RULE_SET_FILE).is_file() or (path / COMPRESSED_FILE).is_file()
        ),
        key=lambda path: path.name,
    )
    if not versions:
        raise CommandError(
            f"no {RULE_SET_FILE} for {service} under {source}: pass --source with a botocore "
            "data directory"
        )
    return versions[-1]

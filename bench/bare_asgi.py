"""The ceiling of a Python HTTP server on this machine: uvicorn answering every request with a fixed
DescribeOrganization reply, doing no parsing, signature checking or storage."""

from __future__ import annotations

from typing import Any

REPLY = (
    b'{"Organization":{"Id":"o-aaaaaaaaaa","Arn":"arn:aws:organizations::111111111111:'
    b'organization/o-aaaaaaaaaa","FeatureSet":"ALL","MasterAccountArn":"arn:aws:organizations::'
    b'111111111111:account/o-aaaaaaaaaa/111111111111","MasterAccountId":"111111111111",'
    b'"MasterAccountEmail":"m@example.com","AvailablePolicyTypes":[]}}'
)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [
        (b"content-type", b"application/x-amz-json-1.1"),
        (b"x-amzn-requestid", b"00000000-0000-0000-0000-000000000000"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": REPLY})

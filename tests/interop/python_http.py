"""The official MCP Python SDK (mcp==2.3.0) drives `mcp-gateway demo` over streamable HTTP.

The client sends the demo's access key as a bearer token; a wrong key must be refused with
HTTP 401 and a `WWW-Authenticate` header that points at the protected-resource metadata
(checked with the SDK's own HTTP library, httpx2, so no client-side auth logic is involved).
"""
import asyncio
import sys
import time

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from demo import demo

GATEWAY = sys.argv[1]

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "interop", "version": "0"}},
}


def check_refused(url: str, headers: dict[str, str], what: str) -> None:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", **headers}
    response = httpx2.post(url, json=INITIALIZE, headers=headers, timeout=10)
    assert response.status_code == 401, f"{what}: expected HTTP 401, got {response.status_code}: {response.text[:300]}"
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.lower().startswith("bearer"), f"{what}: WWW-Authenticate is {challenge!r}"
    assert "resource_metadata=" in challenge, f"{what}: WWW-Authenticate lacks resource_metadata=: {challenge!r}"


async def main() -> None:
    with demo(GATEWAY) as gw:
        assert gw.key, "the demo printed no access key"
        check_refused(gw.url, {"Authorization": "Bearer mcpgw_wrong_key_0000000000000000000000000"}, "wrong key")
        check_refused(gw.url, {}, "no key")

        http = create_mcp_http_client(headers={"Authorization": f"Bearer {gw.key}"})
        started = time.monotonic()
        async with http, Client(streamable_http_client(gw.url, http_client=http), mode="auto") as client:
            tools = (await client.list_tools()).tools
            elapsed = time.monotonic() - started
            assert len(tools) == 37, f"expected 37 tools, got {len(tools)}"
            assert elapsed < 5, f"the tool list took {elapsed:.1f} s: the discover probe was not answered at once"
            for tool in tools:
                assert tool.description, tool.name
                assert tool.input_schema.get("type") == "object", tool.name

            page = await client.call_tool("auth0_list_users", {"per_page": 2})
            assert not page.is_error, page.content
            sc = page.structured_content
            assert isinstance(sc["items"], list) and len(sc["items"]) == 2, sc
            assert isinstance(sc["total"], int) and sc["total"] > 2, sc
            assert sc["has_more"] is True and sc.get("next_cursor"), sc

            user = await client.call_tool("auth0_get_user", {"user_id": "auth0|admin"})
            assert not user.is_error, user.content
            assert user.structured_content["user_id"] == "auth0|admin", user.structured_content
            assert "auth0|admin" in user.content[0].text, user.content

            for args, why in [
                ({"per_page": 1000}, "per_page out of range"),
                ({"per_page": "many"}, "per_page of the wrong type"),
                ({"per_page": 2, "no_such_argument": True}, "an unknown argument"),
            ]:
                bad = await client.call_tool("auth0_list_users", args)
                assert bad.is_error, f"{why}: expected an isError result, got {bad.content}"
                assert bad.content and bad.content[0].text, f"{why}: the error result has no text"

            missing = await client.call_tool("auth0_get_user", {})
            assert missing.is_error, f"missing user_id: expected an isError result, got {missing.content}"


asyncio.run(main())
print("python-sdk http: ok")

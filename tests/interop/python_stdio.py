"""The official MCP Python SDK (mcp==2.3.0) drives `mcp-gateway demo --stdio`.

It connects in `mode="auto"`, which first probes with `server/discover`: a server that does not
answer at once costs every user a 10 s wait, so the time to the tool list is checked too.
"""
import asyncio
import sys
import time

from mcp import Client
from mcp.client.stdio import StdioServerParameters

GATEWAY = sys.argv[1]


async def main() -> None:
    params = StdioServerParameters(command=GATEWAY, args=["demo", "--stdio"], env={"RUST_LOG": "warn"})
    started = time.monotonic()
    async with Client(params, mode="auto") as client:
        tools = (await client.list_tools()).tools
        elapsed = time.monotonic() - started
        assert len(tools) == 37, f"expected 37 tools, got {len(tools)}"
        assert elapsed < 5, f"the tool list took {elapsed:.1f} s: the discover probe was not answered at once"
        for tool in tools:
            assert tool.input_schema.get("type") == "object", tool.name
            assert tool.output_schema is not None, tool.name

        page = await client.call_tool("auth0_list_users", {"per_page": 3})
        assert not page.is_error, page.content
        assert len(page.structured_content["items"]) == 3
        assert page.structured_content["has_more"] is True

        created = await client.call_tool("auth0_create_role", {"name": "python-sdk-role", "description": "made by the interop test"})
        assert not created.is_error, created.content
        role_id = created.structured_content["id"]
        fetched = await client.call_tool("auth0_get_role", {"role_id": role_id})
        assert fetched.structured_content["name"] == "python-sdk-role"
        deleted = await client.call_tool("auth0_delete_role", {"role_id": role_id})
        assert not deleted.is_error, deleted.content

        missing = await client.call_tool("auth0_get_user", {"user_id": "auth0|nobody"})
        assert missing.is_error and "404" in missing.content[0].text, missing.content

        refused = await client.call_tool("auth0_list_users", {"per_page": 1000})
        assert refused.is_error and "per_page" in refused.content[0].text, refused.content


asyncio.run(main())
print("python-sdk stdio: ok")

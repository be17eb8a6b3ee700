"""The official MCP Python SDK (mcp==2.3.0) over the legacy HTTP+SSE transport (2024-11-05),
with an access key, against `mcp-gateway demo`."""
import asyncio
import sys

from mcp import Client
from mcp.client.sse import sse_client

from demo import demo

GATEWAY = sys.argv[1]


async def main(url: str, key: str) -> None:
    transport = sse_client(url, headers={"Authorization": f"Bearer {key}"})
    async with Client(transport) as client:
        tools = (await client.list_tools()).tools
        assert len(tools) == 37, f"expected 37 tools, got {len(tools)}"
        user = await client.call_tool("auth0_get_user", {"user_id": "auth0|admin"})
        assert not user.is_error, user.content
        assert user.structured_content["email"] == "admin@example.com"
        refused = await client.call_tool("auth0_get_user", {"user_id": "auth0|admin", "extra": 1})
        assert refused.is_error and "extra" in refused.content[0].text, refused.content


with demo(GATEWAY) as gateway:
    asyncio.run(main(gateway.url.removesuffix("/mcp") + "/sse", gateway.key))
print("python-sdk legacy sse: ok")

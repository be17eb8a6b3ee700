"""Tool policies through the official MCP Python SDK (mcp==2.3.0), against `mcp-gateway demo
--policies`: a confirmation answered in the client's elicitation callback (accept, decline,
cancel) in a 2025-11-25 session and on 2026-07-28 (input_required, repeated by the SDK), a
client without elicitation told why, and an approval decided with `mcp-gateway approvals`.
"""
import asyncio
import re
import subprocess
import sys
import tempfile

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.types import ElicitRequestURLParams, ElicitResult

from demo import demo

GATEWAY = sys.argv[1]


def answering(action: str, asked: list[str]):
    async def on_elicit(ctx, params) -> ElicitResult:
        assert not isinstance(params, ElicitRequestURLParams), params
        asked.append(params.message)
        if action == "accept":
            return ElicitResult(action="accept", content={"confirm": True})
        return ElicitResult(action=action)

    return on_elicit


def text(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "text", None))


async def given_name(gw, http) -> str | None:
    async with Client(streamable_http_client(gw.url, http_client=http), mode="legacy") as client:
        user = await client.call_tool("auth0_get_user", {"user_id": "auth0|bob"})
        assert not user.is_error, text(user)
        return user.structured_content.get("given_name")


async def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="interop-policies-")
    with demo(GATEWAY, "--policies", "--data-dir", data_dir) as gw:
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {gw.key}"})
        async with http:
            # The listing: organization deletes are hidden, the rest say what they need.
            async with Client(streamable_http_client(gw.url, http_client=http), mode="legacy") as client:
                tools = {t.name: t for t in (await client.list_tools()).tools}
                assert "auth0_delete_organization" not in tools, sorted(tools)
                assert "needs approval from admin@example.com" in tools["auth0_delete_user"].description
                assert "must be confirmed" in tools["auth0_update_user"].description

                # Without an elicitation callback the client cannot confirm: told why, nothing runs.
                refused = await client.call_tool("auth0_update_user", {"user_id": "auth0|bob", "given_name": "Nobody"})
                assert refused.is_error and "did not declare MCP form elicitation" in text(refused), text(refused)
            before = await given_name(gw, http)
            assert before != "Nobody", before

            for mode in ("legacy", "auto"):
                before = await given_name(gw, http)
                for action, word in (("decline", "declined"), ("cancel", "dismissed")):
                    asked: list[str] = []
                    transport = streamable_http_client(gw.url, http_client=http)
                    async with Client(transport, mode=mode, elicitation_callback=answering(action, asked)) as client:
                        result = await client.call_tool(
                            "auth0_update_user", {"user_id": "auth0|bob", "given_name": f"Not-{mode}"}
                        )
                        assert result.is_error and word in text(result), (mode, action, text(result))
                        assert len(asked) == 1 and "auth0|bob" in asked[0], (mode, asked)
                    assert await given_name(gw, http) == before, (mode, action)

                asked = []
                transport = streamable_http_client(gw.url, http_client=http)
                async with Client(transport, mode=mode, elicitation_callback=answering("accept", asked)) as client:
                    result = await client.call_tool(
                        "auth0_update_user", {"user_id": "auth0|bob", "given_name": f"Robert-{mode}"}
                    )
                    assert not result.is_error, (mode, text(result))
                    assert len(asked) == 1, (mode, asked)
                assert await given_name(gw, http) == f"Robert-{mode}", mode

            # An approval: held, approved at the CLI, then the same call runs once.
            async with Client(streamable_http_client(gw.url, http_client=http), mode="auto") as client:
                held = await client.call_tool("auth0_delete_user", {"user_id": "auth0|bob"})
                assert held.is_error, text(held)
                found = re.search(r"preq_[A-Za-z0-9]+", text(held))
                assert found, text(held)
                approved = subprocess.run(
                    [GATEWAY, "approvals", "approve", found.group(0), "--config", f"{data_dir}/gateway.toml"],
                    capture_output=True, text=True, timeout=30,
                )
                assert approved.returncode == 0, approved.stdout + approved.stderr
                ran = await client.call_tool("auth0_delete_user", {"user_id": "auth0|bob"})
                assert not ran.is_error, text(ran)
                again = await client.call_tool("auth0_delete_user", {"user_id": "auth0|bob"})
                assert again.is_error and "preq_" in text(again) and found.group(0) not in text(again), text(again)


asyncio.run(main())
print("python-sdk policies: ok")

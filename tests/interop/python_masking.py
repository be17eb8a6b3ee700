"""The official MCP Python SDK (mcp==2.3.0) works on a user it never sees: `mcp-gateway demo
--data-protection` gives emails as pseudonyms (`pii:email:…`), redacts addresses and leaves out
metadata.

The client lists users (no planted email, address or metadata reaches it), passes a user's email
pseudonym to `auth0_find_users_by_email` and to a Lucene `q` query, blocks the user it found with
`auth0_update_user`, and the fake tenant (read behind the gateway's back) shows exactly that user
blocked. Log events are masked too; a forged pseudonym is refused and changes nothing; the tool
descriptions tell the model how pseudonyms work.
"""
import asyncio
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from demo import demo

# What the demo tenant holds and no masked result may show.
PLANTED = ["@example.com", "@gmail.com", "203.0.113.", "'locale'"]


def shown(result) -> str:
    return " ".join(c.text for c in result.content if getattr(c, "text", None)) + str(result.structured_content)


async def main() -> None:
    with demo(sys.argv[1], "--data-protection") as gw:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {gw.key}"}, timeout=30) as http, \
                Client(streamable_http_client(gw.url, http_client=http), mode="auto") as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert "pass them back unchanged" in tools["auth0_list_users"].description, tools["auth0_list_users"].description

            listed = await client.call_tool("auth0_list_users", {})
            assert not listed.is_error, listed.content
            for planted in PLANTED:
                assert planted not in shown(listed), f"{planted} reached the model"
            users = listed.structured_content["items"]
            alice = next(u for u in users if u["name"] == "Alice Johnson")
            pseudonym = alice["email"]
            assert pseudonym.startswith("pii:email:"), alice
            assert alice["last_ip"] == "[masked]" and "user_metadata" not in alice, alice

            found = await client.call_tool("auth0_find_users_by_email", {"email": pseudonym})
            assert not found.is_error, found.content
            assert [u["user_id"] for u in found.structured_content["users"]] == ["auth0|alice"], found.structured_content
            assert found.structured_content["users"][0]["email"] == pseudonym, "the same value, the same pseudonym"
            queried = await client.call_tool("auth0_list_users", {"q": f'email:"{pseudonym}"'})
            assert [u["user_id"] for u in queried.structured_content["items"]] == ["auth0|alice"], queried.structured_content

            forged = await client.call_tool("auth0_find_users_by_email", {"email": pseudonym[:-2] + "xx"})
            assert forged.is_error and "pseudonym" in shown(forged), shown(forged)

            # The id the pseudonym led to; the answer shows the email as the same pseudonym.
            user_id = found.structured_content["users"][0]["user_id"]
            blocked = await client.call_tool("auth0_update_user", {"user_id": user_id, "blocked": True})
            assert not blocked.is_error, blocked.content
            assert blocked.structured_content["email"] == pseudonym, blocked.structured_content

            logs = await client.call_tool("auth0_list_logs", {})
            assert not logs.is_error, logs.content
            for planted in PLANTED:
                assert planted not in shown(logs), f"{planted} reached the model in log events"

        async with httpx2.AsyncClient(timeout=10) as raw:
            alice = (await raw.get(f"{gw.tenant}/_fake/users/auth0|alice")).json()
            assert alice["blocked"] is True and alice["email"] == "alice.johnson@example.com", alice
            bob = (await raw.get(f"{gw.tenant}/_fake/users/auth0|bob")).json()
            assert bob.get("blocked") is not True, bob
    print("python_masking: ok")


if __name__ == "__main__":
    asyncio.run(main())

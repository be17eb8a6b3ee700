"""A `step_up` policy through the official MCP Python SDK (mcp==2.3.0), against `mcp-gateway demo
--policies` (application changes need a fresh MFA sign-in; the demo's user is enrolled): a user
connects in a "browser" (httpx2, the SDK's HTTP client, following redirects), then
- in a 2025-11-25 session the call fails with the SDK's own UrlElicitationRequiredError (-32042),
  the user opens its URL and signs in again, and the repeated call runs;
- on 2026-07-28 the SDK hands the URL request to the elicitation callback, which opens it and
  signs in, and the SDK repeats the call by itself;
- a client without elicitation gets the link in the tool result.
"""
import asyncio
import sys
import tempfile

import httpx2

from mcp import Client, MCPError, UrlElicitationRequiredError
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.types import ElicitRequestURLParams, ElicitResult

from demo import demo

GATEWAY = sys.argv[1]
CHANGE = ("auth0_update_client", {"client_id": "AcmeSinglePageApp000000000000002", "description": "changed by the step-up test"})


def text(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "text", None))


async def connect(endpoint: str) -> str:
    """Connects the demo's user as a browser would; their access key."""
    async with httpx2.AsyncClient(follow_redirects=True) as browser:
        page = await browser.get(endpoint.replace("/mcp", "/connect/demo"), headers={"accept": "application/json"})
        assert page.status_code == 200, page.text
        return page.json()["key"]


async def sign_in_again(url: str) -> None:
    """Opens a step-up link and signs in at the (fake) Auth0, which passes MFA."""
    async with httpx2.AsyncClient(follow_redirects=True) as browser:
        gate = await browser.get(url)
        assert gate.status_code == 200 and "Sign in again with MFA" in gate.text, gate.text
        done = await browser.post(f"{url}/sign-in")
        assert done.status_code == 200 and "Signed in again" in done.text, done.text


async def main() -> None:
    # A 2025-11-25 session: the -32042 error, parsed by the SDK's own error type.
    with demo(GATEWAY, "--policies", "--data-dir", tempfile.mkdtemp(prefix="interop-step-up-")) as gw:
        key = await connect(gw.url)
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
        async with http:
            async def never(ctx, params) -> ElicitResult:
                raise AssertionError(f"not asked in a session: {params}")

            transport = streamable_http_client(gw.url, http_client=http)
            async with Client(transport, mode="legacy", elicitation_callback=never) as client:
                try:
                    await client.call_tool(*CHANGE)
                    raise AssertionError("the call ran without a step-up")
                except MCPError as error:
                    assert error.code == -32042, (error.code, error.message)
                    required = UrlElicitationRequiredError.from_error(error.error)
                link = required.elicitations[0]
                assert "/approvals/preq_" in link.url and link.elicitation_id in link.url, link
                await sign_in_again(link.url)
                ran = await client.call_tool(*CHANGE)
                assert not ran.is_error, text(ran)

    # 2026-07-28: the SDK asks the callback, which opens the link, then repeats the call.
    with demo(GATEWAY, "--policies", "--data-dir", tempfile.mkdtemp(prefix="interop-step-up-")) as gw:
        key = await connect(gw.url)
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
        async with http:
            # Without elicitation: the link is in the result, for the model to pass on.
            async with Client(streamable_http_client(gw.url, http_client=http), mode="legacy") as client:
                held = await client.call_tool(*CHANGE)
                assert held.is_error and "sign in again with MFA" in text(held) and "/approvals/preq_" in text(held), text(held)

            opened: list[str] = []

            async def open_link(ctx, params) -> ElicitResult:
                assert isinstance(params, ElicitRequestURLParams), params
                opened.append(params.url)
                await sign_in_again(params.url)
                return ElicitResult(action="accept")

            transport = streamable_http_client(gw.url, http_client=http)
            async with Client(transport, mode="auto", elicitation_callback=open_link) as client:
                ran = await client.call_tool(*CHANGE)
                assert not ran.is_error, text(ran)
                assert len(opened) == 1, opened


asyncio.run(main())
print("python-sdk step-up: ok")

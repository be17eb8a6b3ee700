"""The official MCP Python SDK (mcp==2.3.0) logs in to `mcp-gateway demo` by itself.

The SDK's OAuthClientProvider is pointed at the demo's /mcp URL with no key. It must discover
the gateway as authorization server (RFC 9728, RFC 8414), register (RFC 7591), send the "user"
to /authorize, exchange the code with PKCE, list and call the user's tools, and refresh its token
when it expires. Holding a narrower grant, it must step up by itself when the gateway answers a
call outside it with 403 insufficient_scope, and repeat the call. The user is played by a small browser (httpx2 with cookies) that approves the
gateway's consent page and lets the fake tenant's /authorize approve the sign-in.
"""
import asyncio
import base64
import hashlib
import re
import secrets
import sys
import time
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from demo import demo

REDIRECT = "http://127.0.0.1:53682/callback"


class MemoryStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Browser:
    """Follows the authorization URL like a person would: approve the consent page, sign in."""

    def __init__(self) -> None:
        self.result: AuthorizationCodeResult | None = None
        self.consent_pages = 0
        self.last_consent_page = ""

    async def open(self, url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=False, timeout=10) as http:
            response = await http.get(url)
            for _ in range(10):
                if response.status_code in (302, 303):
                    location = urljoin(str(response.url), response.headers["location"])
                    if location.startswith(REDIRECT):
                        query = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
                        assert "code" in query, f"the gateway refused: {query}"
                        self.result = AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))
                        return
                    response = await http.get(location)
                elif response.status_code == 200 and 'action="/authorize/consent"' in response.text:
                    self.consent_pages += 1
                    self.last_consent_page = response.text
                    assert "interop python" in response.text, "the consent page must name the client"
                    request = re.search(r'name="request" value="([^"]+)"', response.text).group(1)
                    consent = urljoin(str(response.url), "/authorize/consent")
                    response = await http.post(consent, data={"request": request, "decision": "allow"})
                else:
                    raise AssertionError(f"unexpected page {response.status_code}: {response.text[:300]}")
        raise AssertionError("the browser was never sent back to the client")

    async def callback(self) -> AuthorizationCodeResult:
        assert self.result is not None, "no authorization result"
        result, self.result = self.result, None
        return result


async def narrow_tokens(gw_url: str, client: OAuthClientInformationFull, browser: Browser, scope: str) -> OAuthToken:
    """Tokens for `scope` only, got as the SDK would get them (PKCE), by the same person."""
    base = gw_url.rsplit("/mcp", 1)[0]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code", "client_id": client.client_id, "redirect_uri": REDIRECT, "state": "narrow",
        "code_challenge": challenge, "code_challenge_method": "S256", "resource": gw_url, "scope": scope,
    }
    await browser.open(f"{base}/authorize?{urlencode(query)}")
    code = (await browser.callback()).code
    async with httpx2.AsyncClient(timeout=10) as raw:
        response = await raw.post(f"{base}/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": client.client_id, "code_verifier": verifier,
        })
    assert response.status_code == 200, response.text
    return OAuthToken.model_validate_json(response.content)


async def main() -> None:
    with demo(sys.argv[1]) as gw:
        storage = MemoryStorage()
        browser = Browser()
        provider = OAuthClientProvider(
            server_url=gw.url,
            client_metadata=OAuthClientMetadata(
                client_name="interop python",
                redirect_uris=[REDIRECT],
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
            ),
            storage=storage,
            redirect_handler=browser.open,
            callback_handler=browser.callback,
        )
        http = httpx2.AsyncClient(auth=provider, timeout=30)
        async with http, Client(streamable_http_client(gw.url, http_client=http), mode="auto") as client:
            tools = (await client.list_tools()).tools
            assert len(tools) == 37, f"expected the user's 37 tools, got {len(tools)}"
            result = await client.call_tool("auth0_get_user", {"user_id": "auth0|admin"})
            assert not result.is_error, result.content
            assert result.structured_content["user_id"] == "auth0|admin"
            who = await client.call_tool("auth0_whoami", {})
            assert who.structured_content["principal_kind"] == "user", who.structured_content
            assert "via OAuth client" in who.structured_content["principal"], who.structured_content
        assert browser.consent_pages == 1, browser.consent_pages
        assert storage.client is not None and storage.client.client_id.startswith("mcpc_")
        first = storage.tokens
        assert first is not None and first.access_token.startswith("mcpat_") and first.refresh_token

        # Let the SDK find its token expired: it must refresh (rotation) without a new login.
        provider.context.token_expiry_time = time.time() - 1
        http = httpx2.AsyncClient(auth=provider, timeout=30)
        async with http, Client(streamable_http_client(gw.url, http_client=http), mode="auto") as client:
            result = await client.call_tool("auth0_list_roles", {})
            assert not result.is_error, result.content
        assert browser.consent_pages == 1, "a refresh must not need the user again"
        second = storage.tokens
        assert second.access_token != first.access_token, "the token was not refreshed"
        assert second.refresh_token != first.refresh_token, "the refresh token was not rotated"

        # The spent refresh token is refused, and presenting it revokes the grant.
        async with httpx2.AsyncClient(timeout=10) as raw:
            base = gw.url.rsplit("/mcp", 1)[0]
            spent = await raw.post(f"{base}/token", data={"grant_type": "refresh_token", "refresh_token": first.refresh_token, "client_id": storage.client.client_id})
            assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant", spent.text
            refused = await raw.post(gw.url, headers={"Authorization": f"Bearer {second.access_token}", "Accept": "application/json, text/event-stream"}, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
            assert refused.status_code == 401, refused.status_code

        # Step-up: the client holds a grant for read:users only and calls a tool that needs
        # read:roles, which the user's connection holds. The gateway answers 403
        # insufficient_scope; the SDK authorizes again for the union by itself (the person
        # consents once more) and repeats the call.
        narrow = MemoryStorage()
        narrow.client = storage.client
        narrow.tokens = await narrow_tokens(gw.url, storage.client, browser, "openid read:users")
        assert narrow.tokens.scope == "openid read:users", narrow.tokens.scope
        stepping = OAuthClientProvider(
            server_url=gw.url,
            client_metadata=provider.context.client_metadata,
            storage=narrow,
            redirect_handler=browser.open,
            callback_handler=browser.callback,
        )
        http = httpx2.AsyncClient(auth=stepping, timeout=30)
        async with http, Client(streamable_http_client(gw.url, http_client=http), mode="auto") as client:
            listed = {tool.name for tool in (await client.list_tools()).tools}
            assert "auth0_list_roles" not in listed, sorted(listed)
            result = await client.call_tool("auth0_list_roles", {})
            assert not result.is_error, result.content
        assert browser.consent_pages == 3, browser.consent_pages
        granted = narrow.tokens.scope.split()
        assert {"read:users", "read:roles"} <= set(granted), granted
    print("python_oauth: ok")


if __name__ == "__main__":
    asyncio.run(main())

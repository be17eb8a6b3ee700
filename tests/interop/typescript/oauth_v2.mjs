// The official MCP TypeScript SDK v2 client (@modelcontextprotocol/client, pinned in package.json)
// logs in to `mcp-gateway demo` by itself: discovery (RFC 9728, RFC 8414, the issuer echo),
// dynamic registration, PKCE, the `iss` of the answer checked (RFC 9207), the token exchange, then
// tools on the 2025-11-25 handshake; and after its access token is refused, a refresh with
// rotation and no new sign-in, then tools on 2026-07-28 (stateless).
// The user is played by demo.mjs's signIn. The v2 client would send a Client ID Metadata Document
// URL instead of registering (OAuthClientProvider.clientMetadataUrl), but only an https one, which
// a loopback test cannot serve.
// Usage: node oauth_v2.mjs path/to/mcp-gateway
import assert from "node:assert/strict";

import { Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";

import { signIn, startDemo } from "./demo.mjs";

const gatewayPath = process.argv[2];
assert.ok(gatewayPath, "usage: node oauth_v2.mjs path/to/mcp-gateway");
const REDIRECT = "http://127.0.0.1:53684/callback";
const NAME = "interop typescript v2";

// The OAuthClientProvider an application supplies: storage, and where to send the user.
class Provider {
  constructor() {
    this.stored = {};
    this.authorizationUrl = undefined;
  }
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return {
      client_name: NAME,
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() { return this.stored.client; }
  saveClientInformation(info) { this.stored.client = info; }
  tokens() { return this.stored.tokens; }
  saveTokens(tokens) { this.stored.tokens = tokens; }
  redirectToAuthorization(url) { this.authorizationUrl = url.toString(); }
  saveCodeVerifier(verifier) { this.stored.verifier = verifier; }
  codeVerifier() { return this.stored.verifier; }
  // Kept with the verifier so the client can check the callback against the server it discovered.
  saveDiscoveryState(state) { this.stored.discovery = state; }
  discoveryState() { return this.stored.discovery; }
}

// A client on the 2025 handshake ("legacy", v2's default) or probing for 2026-07-28 ("auto").
const connect = async (url, provider, mode, expectedVersion) => {
  const client = new Client({ name: "interop-typescript-v2", version: "0.0.0" }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
  assert.equal(client.getNegotiatedProtocolVersion(), expectedVersion, `protocol version with mode ${mode}`);
  return client;
};

const { child, printed } = startDemo(gatewayPath);
let client;
try {
  const url = new URL(await printed);
  const provider = new Provider();

  // First attempt: no token, so the client discovers, registers and asks for authorization.
  let transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  client = new Client({ name: "interop-typescript-v2", version: "0.0.0" });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  assert.ok(provider.authorizationUrl, "the client did not ask for authorization");
  assert.ok(provider.stored.client?.client_id?.startsWith("mcpc_"), "the client did not register");
  const asked = new URL(provider.authorizationUrl).searchParams;
  assert.equal(asked.get("code_challenge_method"), "S256");
  assert.equal(asked.get("resource"), url.toString(), "the client must name the gateway as resource (RFC 8707)");
  const { query, consentPages } = await signIn(provider.authorizationUrl, { redirect: REDIRECT, clientName: NAME });
  assert.equal(consentPages, 1);
  assert.equal(query.get("iss"), `${url.origin}`, "the gateway names itself as issuer in the answer (RFC 9207)");
  // The callback's whole query: the client checks `iss` against the issuer it discovered.
  await transport.finishAuth(query);
  assert.ok(provider.stored.tokens.access_token.startsWith("mcpat_"));
  assert.equal(provider.stored.tokens.issuer, url.origin, "the client binds its tokens to the issuer");

  client = await connect(url, provider, "legacy", "2025-11-25");
  const { tools } = await client.listTools();
  assert.equal(tools.length, 37, `expected the user's 37 tools, got ${tools.length}`);
  const user = await client.callTool({ name: "auth0_get_user", arguments: { user_id: "auth0|admin" } });
  assert.ok(!user.isError, JSON.stringify(user.content));
  assert.equal(user.structuredContent.user_id, "auth0|admin");
  await client.close();

  // A refused access token makes the client refresh with its refresh token (rotated), no new
  // login; this time on 2026-07-28, where every request carries the token on its own.
  const before = { ...provider.stored.tokens };
  provider.stored.tokens = { ...before, access_token: "mcpat_revoked_or_garbage_000000000000000000000" };
  provider.authorizationUrl = undefined;
  client = await connect(url, provider, "auto", "2026-07-28");
  const roles = await client.callTool({ name: "auth0_list_roles", arguments: {} });
  assert.ok(!roles.isError, JSON.stringify(roles.content));
  assert.equal(provider.authorizationUrl, undefined, "a refresh must not need the user again");
  assert.notEqual(provider.stored.tokens.access_token, before.access_token, "the token was not refreshed");
  assert.notEqual(provider.stored.tokens.refresh_token, before.refresh_token, "the refresh token was not rotated");
  console.log("typescript_oauth_v2: ok");
} finally {
  await client?.close().catch(() => {});
  child.kill("SIGTERM");
}

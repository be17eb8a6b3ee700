// The official MCP TypeScript SDK (@modelcontextprotocol/sdk, pinned in package.json) logs in to
// `mcp-gateway demo` (the machine token, as on a real tenant) by itself: discovery, dynamic registration,
// PKCE, the token exchange, then tools; and after its access token is refused, a refresh.
// The user is played by demo.mjs's signIn: it approves the gateway's consent page and lets the
// fake tenant's /authorize approve the sign-in.
// Usage: node oauth.mjs path/to/mcp-gateway
import assert from "node:assert/strict";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

import { signIn, startDemo } from "./demo.mjs";

const gatewayPath = process.argv[2];
assert.ok(gatewayPath, "usage: node oauth.mjs path/to/mcp-gateway");
const REDIRECT = "http://127.0.0.1:53683/callback";

class Provider {
  constructor() {
    this.stored = {};
    this.authorizationUrl = undefined;
  }
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return {
      client_name: "interop typescript",
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
}

const { child, printed } = startDemo(gatewayPath);
let client;
try {
  const url = new URL(await printed);
  const provider = new Provider();

  // First attempt: no token, so the SDK discovers, registers and asks for authorization.
  let transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  client = new Client({ name: "interop-typescript", version: "0.0.0" });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  assert.ok(provider.authorizationUrl, "the SDK did not ask for authorization");
  assert.ok(provider.stored.client?.client_id?.startsWith("mcpc_"), "the SDK did not register");
  const { query, consentPages } = await signIn(provider.authorizationUrl, { redirect: REDIRECT, clientName: "interop typescript" });
  assert.equal(consentPages, 1);
  await transport.finishAuth(query.get("code"));
  assert.ok(provider.stored.tokens.access_token.startsWith("mcpat_"));

  transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  client = new Client({ name: "interop-typescript", version: "0.0.0" });
  await client.connect(transport);
  const { tools } = await client.listTools();
  assert.equal(tools.length, 37, `expected the user's 37 tools, got ${tools.length}`);
  const user = await client.callTool({ name: "auth0_get_user", arguments: { user_id: "auth0|admin" } });
  assert.ok(!user.isError, JSON.stringify(user.content));
  await client.close();

  // A refused access token makes the SDK refresh with its refresh token (rotated), no new login.
  const before = { ...provider.stored.tokens };
  provider.stored.tokens = { ...before, access_token: "mcpat_revoked_or_garbage_000000000000000000000" };
  provider.authorizationUrl = undefined;
  transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  client = new Client({ name: "interop-typescript", version: "0.0.0" });
  await client.connect(transport);
  const roles = await client.callTool({ name: "auth0_list_roles", arguments: {} });
  assert.ok(!roles.isError, JSON.stringify(roles.content));
  assert.equal(provider.authorizationUrl, undefined, "a refresh must not need the user again");
  assert.notEqual(provider.stored.tokens.refresh_token, before.refresh_token, "the refresh token was not rotated");
  console.log("typescript_oauth: ok");
} finally {
  await client?.close().catch(() => {});
  child.kill("SIGTERM");
}

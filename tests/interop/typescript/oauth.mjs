// The official MCP TypeScript SDK (@modelcontextprotocol/sdk, pinned in package.json) logs in to
// `mcp-gateway demo` (the machine token, as on a real tenant) by itself: discovery, dynamic registration,
// PKCE, the token exchange, then tools; and after its access token is refused, a refresh.
// The user is played by fetch with manual redirects and a cookie jar: it approves the gateway's
// consent page and lets the fake tenant's /authorize approve the sign-in.
// Usage: node oauth.mjs path/to/mcp-gateway
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

const gatewayPath = process.argv[2];
assert.ok(gatewayPath, "usage: node oauth.mjs path/to/mcp-gateway");
const REDIRECT = "http://127.0.0.1:53683/callback";

function startDemo() {
  const child = spawn(gatewayPath, ["demo", "--listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  const printed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("gateway demo did not print its endpoint in 30 s")), 30_000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^MCP endpoint: (.*)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].trim());
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway demo exited early with code ${code}`));
    });
  });
  return { child, printed };
}

// A person with a browser: follows redirects, keeps cookies, approves the consent page.
async function walk(authorizationUrl) {
  const jar = new Map();
  const send = async (url, init = {}) => {
    const headers = { ...(init.headers ?? {}) };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
  let consentPages = 0;
  let response = await send(authorizationUrl);
  for (let i = 0; i < 10; i++) {
    if (response.status === 302 || response.status === 303) {
      const location = new URL(response.headers.get("location"), response.url || authorizationUrl).toString();
      if (location.startsWith(REDIRECT)) {
        const query = new URL(location).searchParams;
        assert.ok(query.get("code"), `the gateway refused: ${location}`);
        return { code: query.get("code"), consentPages };
      }
      response = await send(location);
    } else if (response.status === 200) {
      const html = await response.text();
      const request = /name="request" value="([^"]+)"/.exec(html);
      assert.ok(request, `unexpected page: ${html.slice(0, 300)}`);
      assert.ok(html.includes("interop typescript"), "the consent page must name the client");
      consentPages++;
      const consent = new URL("/authorize/consent", authorizationUrl).toString();
      response = await send(consent, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ request: request[1], decision: "allow" }).toString(),
      });
    } else {
      assert.fail(`unexpected answer ${response.status}: ${await response.text()}`);
    }
  }
  assert.fail("the browser was never sent back to the client");
}

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

const { child, printed } = startDemo();
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
  const { code, consentPages } = await walk(provider.authorizationUrl);
  assert.equal(consentPages, 1);
  await transport.finishAuth(code);
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

// What the OAuth interop tests share: a `mcp-gateway demo` on a free loopback port, and a person
// with a browser who approves the gateway's consent page and lets the demo's fake Auth0 sign in.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";

// Start the demo (with sign-in: no --insecure-no-auth) and resolve `printed` with its MCP endpoint.
export function startDemo(gatewayPath) {
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

// Follow `authorizationUrl` as a person would: fetch with manual redirects and a cookie jar,
// approve the consent page (which must name `clientName`), and stop at `redirect`. Resolves with
// the query the client was sent back with and how many consent pages were shown.
export async function signIn(authorizationUrl, { redirect, clientName }) {
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
  let at = authorizationUrl;
  let response = await send(at);
  for (let i = 0; i < 10; i++) {
    if (response.status === 302 || response.status === 303) {
      const location = new URL(response.headers.get("location"), at).toString();
      if (location.startsWith(redirect)) {
        const query = new URL(location).searchParams;
        assert.ok(query.get("code"), `the gateway refused: ${location}`);
        return { query, consentPages };
      }
      at = location;
      response = await send(at);
    } else if (response.status === 200) {
      const html = await response.text();
      const request = /name="request" value="([^"]+)"/.exec(html);
      assert.ok(request, `unexpected page: ${html.slice(0, 300)}`);
      assert.ok(html.includes(clientName), "the consent page must name the client");
      consentPages++;
      at = new URL("/authorize/consent", authorizationUrl).toString();
      response = await send(at, {
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

// The official MCP TypeScript SDK (@modelcontextprotocol/sdk, pinned in package.json) drives
// `mcp-gateway demo` over streamable HTTP with the demo's access key, on plain Node 20.
// Usage: node streamable_http.mjs path/to/mcp-gateway
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const gatewayPath = process.argv[2];
assert.ok(gatewayPath, "usage: node streamable_http.mjs path/to/mcp-gateway");

// Start the demo on a free loopback port and read the endpoint and key it prints.
function startDemo() {
  const child = spawn(gatewayPath, ["demo", "--listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  const printed = new Promise((resolve, reject) => {
    const lines = {};
    const timer = setTimeout(() => reject(new Error("gateway demo did not print its endpoint in 30 s")), 30_000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^(MCP endpoint|Access key|Demo tenant): (.*)$/.exec(line);
      if (m) lines[m[1]] = m[2].trim();
      if (Object.keys(lines).length === 3) {
        clearTimeout(timer);
        resolve({ url: lines["MCP endpoint"], key: lines["Access key"] });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway demo exited early with code ${code}`));
    });
  });
  return { child, printed };
}

const { child, printed } = startDemo();
let client;
try {
  const { url, key } = await printed;
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  client = new Client({ name: "interop-typescript", version: "0.0.0" });
  await client.connect(transport);

  const { tools } = await client.listTools();
  assert.equal(tools.length, 37, `expected 37 tools, got ${tools.length}`);
  for (const tool of tools) {
    assert.ok(tool.description, `${tool.name} has no description`);
    assert.equal(tool.inputSchema.type, "object", `${tool.name} input schema`);
  }

  const page = await client.callTool({ name: "auth0_list_users", arguments: { per_page: 3 } });
  assert.ok(!page.isError, `auth0_list_users failed: ${JSON.stringify(page.content)}`);
  const sc = page.structuredContent;
  assert.equal(sc.items.length, 3, JSON.stringify(sc));
  assert.equal(typeof sc.total, "number");
  assert.equal(sc.has_more, true);
  assert.ok(sc.next_cursor, "a first page of 3 has a next_cursor");

  const next = await client.callTool({
    name: "auth0_list_users",
    arguments: { per_page: 3, cursor: sc.next_cursor },
  });
  assert.ok(!next.isError, `second page failed: ${JSON.stringify(next.content)}`);
  const firstIds = new Set(sc.items.map((u) => u.user_id));
  for (const u of next.structuredContent.items) assert.ok(!firstIds.has(u.user_id), `page 2 repeats ${u.user_id}`);

  const user = await client.callTool({ name: "auth0_get_user", arguments: { user_id: "auth0|admin" } });
  assert.ok(!user.isError, `auth0_get_user failed: ${JSON.stringify(user.content)}`);
  assert.equal(user.structuredContent.user_id, "auth0|admin");
  assert.equal(user.content[0].type, "text");

  const bad = await client.callTool({ name: "auth0_get_user", arguments: { user_id: 42 } });
  assert.equal(bad.isError, true, `a numeric user_id should be an error result: ${JSON.stringify(bad.content)}`);

  await client.close();
  client = undefined;
  console.log("typescript-sdk http: ok");
} finally {
  if (client) await client.close().catch(() => {});
  child.kill("SIGTERM");
}

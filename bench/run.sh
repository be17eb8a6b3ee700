#!/usr/bin/env bash
# Benchmarks for mcp-gateway: builds in release mode, starts two fake tenants and three gateways
# on 127.0.0.1, runs every measurement (bench/src, `mcp-bench all`), writes
# bench/results/latest.json and prints a summary table. Everything it starts is stopped on exit.
#
#   bench/run.sh            full run (5 runs per figure, 10,000 idle sessions; several minutes)
#   bench/run.sh --quick    quick run (3 runs, 1,000 idle sessions; under three minutes after the build)
#
# Part 2 compares the gateway with Auth0's official MCP server over stdio. It installs the pinned
# @auth0/auth0-mcp-server from bench/official/package-lock.json (npm ci, into bench/official/)
# and, when the system lacks it, Debian's libsecret-1-0 (which its keychain addon loads)
# unpacked into bench/official/.syslib with apt-get download — nothing is installed system-wide.
# Both servers reach a third fake tenant served over https with a self-signed certificate that
# each trusts for its own process alone. --no-official skips part 2.
#
# Extra arguments after the mode are passed to `mcp-bench all` (e.g. --connections 64 --rate 1000).
set -euo pipefail

MODE=full
OFFICIAL=1
EXTRA=()
for arg in "$@"; do
    case "$arg" in
        --quick) MODE=quick ;;
        --no-official) OFFICIAL=0 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) EXTRA+=("$arg") ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
OUT="$ROOT/bench/results/latest.json"
STORM_TTL=5
CLIENT_ID=mcp-bench
# A secret made up for this run; it never leaves the machine.
SECRET="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
SCOPES="openid,profile,email,offline_access,read:users,create:users,update:users,delete:users,read:user_idp_tokens,read:organizations,create:organizations,update:organizations,delete:organizations,read:organization_members,manage:organization_members,read:roles,create:roles,update:roles,delete:roles,read:logs,read:clients,update:clients"

echo "==> cargo build --release -p mcp-gateway -p fake-auth0 -p mcp-bench" >&2
cargo build --release -p mcp-gateway -p fake-auth0 -p mcp-bench

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcp-bench.XXXXXX")"
PIDS=()
FAILED=1
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "$FAILED" = 1 ]; then
        echo "bench/run.sh failed; the last lines of each process's log:" >&2
        for log in "$WORK"/*.err; do
            [ -f "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
        done
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_line FILE REGEX PID: prints the first match of REGEX in FILE, waiting up to 30 s.
wait_for_line() {
    local file="$1" regex="$2" pid="$3" i line
    for i in $(seq 1 300); do
        line="$(grep -oE "$regex" "$file" 2>/dev/null | head -n 1 || true)"
        if [ -n "$line" ]; then echo "$line"; return 0; fi
        kill -0 "$pid" 2>/dev/null || { echo "process $pid exited before printing /$regex/" >&2; return 1; }
        sleep 0.1
    done
    echo "timed out waiting for /$regex/ in $file" >&2
    return 1
}

# start_fake NAME TTL [EXTRA ARGS…] → sets FAKE_URL
start_fake() {
    local name="$1" ttl="$2"
    shift 2
    "$BIN/fake-auth0" --listen 127.0.0.1:0 --seed demo --client-id "$CLIENT_ID" --client-secret "$SECRET" \
        --access-token-ttl "$ttl" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS+=("$!")
    FAKE_URL="$(wait_for_line "$WORK/$name.out" 'https?://127\.0\.0\.1:[0-9]+' "$!")"
}

# install_official → sets OFFICIAL_ARGS for mcp-bench: the official server, the https fake, and a
# stdio gateway configuration pointing at that fake.
install_official() {
    local dir="$ROOT/bench/official" lib=""
    command -v node >/dev/null && command -v npm >/dev/null \
        || { echo "node and npm are needed for part 2 (or pass --no-official)" >&2; return 1; }
    if [ ! -f "$dir/node_modules/@auth0/auth0-mcp-server/dist/index.js" ]; then
        echo "==> npm ci (bench/official: @auth0/auth0-mcp-server, pinned)" >&2
        npm ci --prefix "$dir" --no-audit --no-fund >&2
    fi
    if ! ldconfig -p 2>/dev/null | grep -q 'libsecret-1\.so\.0'; then
        lib="$dir/.syslib/usr/lib/x86_64-linux-gnu"
        if [ ! -e "$lib/libsecret-1.so.0" ]; then
            echo "==> apt-get download libsecret-1-0 (unpacked into bench/official/.syslib)" >&2
            mkdir -p "$dir/.syslib/debs"
            (cd "$dir/.syslib/debs" && { apt-get download libsecret-1-0 >&2 \
                || { apt-get update -qq >&2 && apt-get download libsecret-1-0 >&2; }; })
            dpkg-deb -x "$(ls "$dir"/.syslib/debs/libsecret-1-0_*.deb | head -n 1)" "$dir/.syslib"
        fi
    fi
    start_fake tls-fake 86400 --tls-cert-out "$WORK/tls-fake.pem"
    local tls_fake="$FAKE_URL"
    mkdir -p "$WORK/stdio"
    cat >"$WORK/stdio/gateway.toml" <<EOF
[store]
url = "sqlite://$WORK/stdio/gateway.db"

[[tenants]]
name = "demo"
domain = "demo-tenant.us.auth0.com"
base_url = "$tls_fake"
client_id = "$CLIENT_ID"
client_secret_env = "BENCH_CLIENT_SECRET"
grant = "client_credentials"
scopes = [$(echo "$SCOPES" | sed 's/[^,]*/"&"/g')]
EOF
    OFFICIAL_ARGS=(--tls-fake-url "$tls_fake" --tls-cert "$WORK/tls-fake.pem"
        --gateway-bin "$BIN/mcp-gateway" --gateway-stdio-config "$WORK/stdio/gateway.toml"
        --official-script "$dir/node_modules/@auth0/auth0-mcp-server/dist/index.js")
    if [ -n "$lib" ]; then OFFICIAL_ARGS+=(--official-library-path "$lib"); fi
}

# start_gateway NAME FAKE_URL STATELESS → sets GW_URL, GW_KEY, GW_PID
start_gateway() {
    local name="$1" fake="$2" stateless="$3" dir="$WORK/$1"
    mkdir -p "$dir"
    cat >"$dir/gateway.toml" <<EOF
[server]
listen = "127.0.0.1:0"
stateless = $stateless
# The bench holds up to 10,000 idle sessions and many connections with one key: far past the
# defaults a production gateway keeps.
max_connections = 20000
max_sessions = 20000
max_sessions_per_credential = 20000

[store]
url = "sqlite://$dir/gateway.db"

[[tenants]]
name = "demo"
domain = "demo-tenant.us.auth0.com"
base_url = "$fake"
client_id = "$CLIENT_ID"
client_secret_env = "BENCH_CLIENT_SECRET"
grant = "client_credentials"
scopes = [$(echo "$SCOPES" | sed 's/[^,]*/"&"/g')]
EOF
    GW_KEY="$(BENCH_CLIENT_SECRET="$SECRET" "$BIN/mcp-gateway" keys create --config "$dir/gateway.toml" \
        --tenant demo --scopes "$SCOPES" --name "bench-$name" 2>"$WORK/$name-keys.err" | grep -oE 'mcpgw_[A-Za-z0-9]+' | head -n 1)"
    [ -n "$GW_KEY" ] || { echo "keys create printed no key" >&2; cat "$WORK/$name-keys.err" >&2; return 1; }
    BENCH_CLIENT_SECRET="$SECRET" "$BIN/mcp-gateway" serve --config "$dir/gateway.toml" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" &
    GW_PID="$!"
    PIDS+=("$GW_PID")
    local addr
    addr="$(wait_for_line "$WORK/$name.out" 'Listening on http://[0-9.:]+/mcp' "$GW_PID")"
    GW_URL="${addr#Listening on }"
}

start_fake fake 86400
MAIN_FAKE="$FAKE_URL"
FAKE_PID="${PIDS[-1]}"
start_fake storm-fake "$STORM_TTL"
STORM_FAKE="$FAKE_URL"
start_gateway stateless "$MAIN_FAKE" true
STATELESS_URL="$GW_URL"; STATELESS_KEY="$GW_KEY"; STATELESS_PID="$GW_PID"
start_gateway session "$MAIN_FAKE" false
SESSION_URL="$GW_URL"; SESSION_KEY="$GW_KEY"; SESSION_PID="$GW_PID"
start_gateway storm "$STORM_FAKE" true
STORM_URL="$GW_URL"; STORM_KEY="$GW_KEY"

echo "==> fake $MAIN_FAKE, storm fake $STORM_FAKE (token TTL ${STORM_TTL}s)" >&2
echo "==> gateways: stateless $STATELESS_URL (pid $STATELESS_PID), session $SESSION_URL (pid $SESSION_PID), storm $STORM_URL" >&2

OFFICIAL_ARGS=()
[ "$OFFICIAL" = 1 ] && install_official

QUICK_FLAG=()
[ "$MODE" = quick ] && QUICK_FLAG=(--quick)
BENCH_CLIENT_SECRET="$SECRET" "$BIN/mcp-bench" all "${QUICK_FLAG[@]}" "${OFFICIAL_ARGS[@]}" \
    --fake-url "$MAIN_FAKE" --client-id "$CLIENT_ID" --client-secret "$SECRET" \
    --stateless-url "$STATELESS_URL" --stateless-key "$STATELESS_KEY" --stateless-pid "$STATELESS_PID" \
    --session-url "$SESSION_URL" --session-key "$SESSION_KEY" --session-pid "$SESSION_PID" \
    --fake-pid "$FAKE_PID" --clk-tck "$(getconf CLK_TCK 2>/dev/null || echo 100)" \
    --storm-url "$STORM_URL" --storm-key "$STORM_KEY" --storm-fake-url "$STORM_FAKE" --storm-ttl "$STORM_TTL" \
    --out "$OUT" --rustc "$(rustc --version)" --date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "${EXTRA[@]}"
FAILED=0

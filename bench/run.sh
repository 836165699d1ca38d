#!/usr/bin/env bash
# bench/run.sh — loopback throughput and latency of scimshim against nginx.
#
# One run starts, all on 127.0.0.1:
#   upstream              nginx answering fixed SCIM JSON (the backend)
#   nginx                 nginx reverse proxy in front of it (the reference)
#   scimshim-pass         scimshim, no rules, --log warn
#   scimshim-pass-logged  scimshim, no rules, --log info (JSON lines to /dev/null)
#   scimshim-rules        scimshim with rules/common, --log warn
#   hyper-floor           examples/hyper_floor.rs: a bare hyper 1.x pass-through
#                         with none of scimshim's work (FLOOR=0 leaves it out)
# and drives each of them with wrk, GET and an Entra-style PATCH, in
# interleaved rounds. It prints req/s, p50/p99 and req/s as a ratio to nginx,
# then a reduced-load phase (added p99 over the upstream), then scimshim's peak
# RSS. See bench/README.md for how to read the output.
#
# Knobs (environment):
#   DURATION=10s  WARMUP=2s  CONNS=64  THREADS=2  ROUNDS=3
#   LOW_CONNS=2           connections of the reduced-load phase (0 skips it)
#   LOW_DURATION=DURATION length of each reduced-load measurement
#   PIN=auto|off          CPU pinning with taskset (auto: see below)
#   CPU_WRK, CPU_UP, CPU_PROXY   explicit taskset CPU lists (override PIN)
#   BASE_PORT=18600       first port tried; busy ports are skipped
#   SCIMSHIM_BIN          use this binary instead of `cargo build --release`
#   NGINX_BIN, WRK_BIN    binaries (default: found on PATH or in sbin)
#   KEEP_TMP=1            keep the temp dir (configs, logs, raw wrk output)
#   FLOOR=1               also measure the hyper-floor example (0: skip it)
#
# Only processes started here are stopped (by PID) on exit. Every wrk run is
# bounded by `timeout`. Nothing listens on anything but 127.0.0.1.
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
# On loopback a single-threaded proxy is already saturated by 8 connections;
# 2 connections load it to roughly half (the report prints the actual fraction).
LOW_CONNS=${LOW_CONNS:-2}
LOW_DURATION=${LOW_DURATION:-$DURATION}
PIN=${PIN:-auto}
FLOOR=${FLOOR:-1}
BASE_PORT=${BASE_PORT:-18600}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin"

say() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

[ "$CONNS" -ge "$THREADS" ] || die "CONNS ($CONNS) must be >= THREADS ($THREADS)"
[ "$ROUNDS" -ge 1 ] || die "ROUNDS must be >= 1"

# ---- tools --------------------------------------------------------------------
find_tools() {
  NGINX_BIN=${NGINX_BIN:-$(command -v nginx || true)}
  WRK_BIN=${WRK_BIN:-$(command -v wrk || true)}
  CURL_BIN=$(command -v curl || true)
}
find_tools
if [ -z "$NGINX_BIN" ] || [ -z "$WRK_BIN" ] || [ -z "$CURL_BIN" ]; then
  pkgs=(nginx-light wrk); [ -n "$CURL_BIN" ] || pkgs+=(curl)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${pkgs[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q "${pkgs[@]}" >&2; then
      apt-get update -q >&2 || true
      apt-get install -y -q "${pkgs[@]}" >&2 || die "apt-get install ${pkgs[*]} failed"
    fi
    find_tools
  fi
  [ -n "$NGINX_BIN" ] || die "nginx not found on PATH or in /usr/sbin; install it (Debian: apt-get install nginx-light) or set NGINX_BIN"
  [ -n "$WRK_BIN" ] || die "wrk not found on PATH; install it (Debian: apt-get install wrk) or set WRK_BIN"
  [ -n "$CURL_BIN" ] || die "curl not found on PATH; install it (Debian: apt-get install curl)"
fi
[ -x "$NGINX_BIN" ] || die "NGINX_BIN=$NGINX_BIN is not an executable"
[ -x "$WRK_BIN" ] || die "WRK_BIN=$WRK_BIN is not an executable"

# ---- scimshim binary ------------------------------------------------------------
if [ -n "${SCIMSHIM_BIN:-}" ]; then
  [ -x "$SCIMSHIM_BIN" ] || die "SCIMSHIM_BIN=$SCIMSHIM_BIN is not an executable"
else
  say "cargo build --release"
  (cd "$ROOT" && cargo build --release) >&2 || die "cargo build --release failed"
  SCIMSHIM_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/scimshim"
  case $SCIMSHIM_BIN in /*) ;; *) SCIMSHIM_BIN="$ROOT/$SCIMSHIM_BIN" ;; esac
  [ -x "$SCIMSHIM_BIN" ] || die "no binary at $SCIMSHIM_BIN after the build"
fi
FLOOR_BIN=""
if [ "$FLOOR" = 1 ]; then
  say "cargo build --release --example hyper_floor"
  (cd "$ROOT" && cargo build --release --example hyper_floor) >&2 || die "building examples/hyper_floor.rs failed"
  FLOOR_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/hyper_floor"
  case $FLOOR_BIN in /*) ;; *) FLOOR_BIN="$ROOT/$FLOOR_BIN" ;; esac
fi
RULES_DIR="$ROOT/rules/common"
[ -d "$RULES_DIR" ] || die "no rule directory at $RULES_DIR"

# ---- temp dir, process bookkeeping, cleanup -----------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/scimshim-bench.XXXXXX")
declare -a STARTED=()   # PIDs started by this script
declare -A PID_OF=()    # label -> PID

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do stop_pid "$pid"; done
  if [ "${KEEP_TMP:-0}" = 1 ]; then say "temp dir kept: $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- CPU pinning ------------------------------------------------------------------
NCPU=$(nproc 2>/dev/null || echo 1)
if [ "$PIN" = auto ] && command -v taskset >/dev/null && [ "$NCPU" -ge 2 ]; then
  CPU_WRK=${CPU_WRK:-0}
  CPU_UP=${CPU_UP:-1}
  if [ "$NCPU" -ge 3 ]; then CPU_PROXY=${CPU_PROXY:-2}; else CPU_PROXY=${CPU_PROXY:-1}; fi
fi
CPU_WRK=${CPU_WRK:-}; CPU_UP=${CPU_UP:-}; CPU_PROXY=${CPU_PROXY:-}
if { [ -n "$CPU_WRK" ] || [ -n "$CPU_UP" ] || [ -n "$CPU_PROXY" ]; } && ! command -v taskset >/dev/null; then
  die "CPU_* set but taskset is not installed"
fi

# ---- ports and process start --------------------------------------------------------
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
NEXT_PORT=$BASE_PORT
alloc_port() { # alloc_port VAR — sets VAR to the next port nobody listens on
  while port_open "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
  printf -v "$1" '%s' "$NEXT_PORT"
  NEXT_PORT=$((NEXT_PORT + 1))
}
start() { # start LABEL CPUS LOGFILE cmd...  (taskset execs, so $! is the program itself)
  local label=$1 cpus=$2 log=$3; shift 3
  if [ -n "$cpus" ]; then taskset -c "$cpus" "$@" >"$log" 2>&1 &
  else "$@" >"$log" 2>&1 &
  fi
  STARTED+=("$!"); PID_OF[$label]=$!
}
show_log() { [ -s "$TMP/$1.log" ] && { echo "--- $1 log:" >&2; tail -n 30 "$TMP/$1.log" >&2; }; return 0; }
wait_listen() { # wait_listen LABEL PORT
  local label=$1 port=$2 pid=${PID_OF[$1]}
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || { show_log "$label"; die "$label exited during start-up"; }
    if port_open "$port"; then
      sleep 0.2   # make sure it is our process that holds the port
      kill -0 "$pid" 2>/dev/null || { show_log "$label"; die "$label exited during start-up"; }
      return 0
    fi
    sleep 0.1
  done
  show_log "$label"; die "$label did not listen on 127.0.0.1:$port within 15 s"
}

# ---- payloads ----------------------------------------------------------------------
# The User resource the upstream returns (about 1 KB). It is put inside an nginx
# single-quoted string: no single quotes, dollar signs or backslashes.
USER_JSON='{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"abc","externalId":"e-4471-bench","userName":"babs.jensen@example.org","name":{"formatted":"Barbara Jane Jensen","familyName":"Jensen","givenName":"Barbara","middleName":"Jane"},"displayName":"Babs","nickName":"Babs","title":"Operations Lead","userType":"Employee","preferredLanguage":"en-GB","locale":"en-GB","timezone":"Europe/London","active":true,"emails":[{"value":"babs.jensen@example.org","type":"work","primary":true},{"value":"babs@home.example.net","type":"home","primary":false}],"phoneNumbers":[{"value":"+44 20 7946 0000","type":"work"}],"addresses":[{"type":"work","streetAddress":"1 Example Street","locality":"London","postalCode":"EC1A 1AA","country":"GB","primary":true}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"104729","costCenter":"CC-310","organization":"Example Ltd","department":"Operations"},"meta":{"resourceType":"User","created":"2024-03-01T09:00:00Z","lastModified":"2024-06-11T16:30:00Z","version":"W/b1","location":"https://scim.example.org/scim/v2/Users/abc"}}'
# The PATCH Entra sends to deactivate a user and rename it (capitalised op,
# string boolean, URN-qualified core path): three dialect rules rewrite it.
PATCH_JSON='{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"Replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"Babs"}]}'
RES_PATH=/scim/v2/Users/abc

cat >"$TMP/get.lua" <<'EOF'
wrk.method = "GET"
wrk.headers["Accept"] = "application/scim+json"
EOF
cat >"$TMP/patch.lua" <<EOF
wrk.method = "PATCH"
wrk.headers["Accept"] = "application/scim+json"
wrk.headers["Content-Type"] = "application/scim+json"
wrk.body = [[$PATCH_JSON]]
EOF

# ---- nginx configs -----------------------------------------------------------------
nginx_head() { # nginx_head DIR — the parts both nginx instances share
  mkdir -p "$1/scratch"
  [ "$(id -u)" = 0 ] && echo "user root;"   # workers must reach the 0700 temp dir
  cat <<EOF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/scratch/body;
  proxy_temp_path $1/scratch/proxy;
  fastcgi_temp_path $1/scratch/fastcgi;
  uwsgi_temp_path $1/scratch/uwsgi;
  scgi_temp_path $1/scratch/scgi;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
EOF
}
nginx_start() { # nginx_start LABEL CPUS DIR
  start "$1" "$2" "$TMP/$1.log" "$NGINX_BIN" -p "$3" -e "$3/error.log" -c "$3/nginx.conf" \
    -g 'daemon off; master_process on;'
}

alloc_port UP_PORT
alloc_port NGX_PORT
alloc_port PASS_PORT
alloc_port LOGGED_PORT
alloc_port RULES_PORT
alloc_port PROBE_PORT
alloc_port FLOOR_PORT

mkdir -p "$TMP/upstream"
{ nginx_head "$TMP/upstream"; cat <<EOF
  server {
    listen 127.0.0.1:$UP_PORT;
    default_type application/scim+json;
    # return answers every method, so GET, PATCH and POST all get the resource
    location = $RES_PATH { return 200 '$USER_JSON'; }
    location / { return 404; }
  }
}
EOF
} >"$TMP/upstream/nginx.conf"

mkdir -p "$TMP/nginx"
{ nginx_head "$TMP/nginx"; cat <<EOF
  upstream backend {
    server 127.0.0.1:$UP_PORT;
    keepalive 256;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:$NGX_PORT;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
    }
  }
}
EOF
} >"$TMP/nginx/nginx.conf"

# ---- start everything ---------------------------------------------------------------
UPSTREAM_URL="http://127.0.0.1:$UP_PORT/scim/v2"
scimshim_cmd() { # scimshim_cmd PORT LOGLEVEL [extra serve args] -> SCIMSHIM_CMD array
  local port=$1 level=$2; shift 2
  SCIMSHIM_CMD=("$SCIMSHIM_BIN" --log "$level" --log-format json serve
    --listen "127.0.0.1:$port" --upstream "$UPSTREAM_URL"
    --worker-threads 1 --shutdown-grace 1s "$@")
}

nginx_start upstream "$CPU_UP" "$TMP/upstream"
wait_listen upstream "$UP_PORT"
nginx_start nginx "$CPU_PROXY" "$TMP/nginx"
wait_listen nginx "$NGX_PORT"
scimshim_cmd "$PASS_PORT" warn
start scimshim-pass "$CPU_PROXY" "$TMP/scimshim-pass.log" "${SCIMSHIM_CMD[@]}"
wait_listen scimshim-pass "$PASS_PORT"
scimshim_cmd "$LOGGED_PORT" info
start scimshim-pass-logged "$CPU_PROXY" /dev/null "${SCIMSHIM_CMD[@]}"
wait_listen scimshim-pass-logged "$LOGGED_PORT"
scimshim_cmd "$RULES_PORT" warn --rules "$RULES_DIR"
start scimshim-rules "$CPU_PROXY" "$TMP/scimshim-rules.log" "${SCIMSHIM_CMD[@]}"
wait_listen scimshim-rules "$RULES_PORT"

TARGETS=(upstream nginx scimshim-pass scimshim-pass-logged scimshim-rules)
declare -A PORT_OF=([upstream]=$UP_PORT [nginx]=$NGX_PORT [scimshim-pass]=$PASS_PORT
  [scimshim-pass-logged]=$LOGGED_PORT [scimshim-rules]=$RULES_PORT [hyper-floor]=$FLOOR_PORT)
if [ -n "$FLOOR_BIN" ]; then
  start hyper-floor "$CPU_PROXY" "$TMP/hyper-floor.log" "$FLOOR_BIN" "127.0.0.1:$FLOOR_PORT" "127.0.0.1:$UP_PORT"
  wait_listen hyper-floor "$FLOOR_PORT"
  TARGETS+=(hyper-floor)
fi
METHODS=(GET PATCH)

# ---- functional checks --------------------------------------------------------------
http_check() { # http_check METHOD URL -> "status bytes"
  local args=(-s -m 5 -o /dev/null -w '%{http_code} %{size_download}' -H 'Accept: application/scim+json')
  [ "$1" = PATCH ] && args+=(-X PATCH -H 'Content-Type: application/scim+json' --data-binary "$PATCH_JSON")
  "$CURL_BIN" "${args[@]}" "$2" || true
  echo
}
failed=0
for t in "${TARGETS[@]}"; do
  for m in "${METHODS[@]}"; do
    read -r code bytes < <(http_check "$m" "http://127.0.0.1:${PORT_OF[$t]}$RES_PATH") || true
    code=${code:-000}; bytes=${bytes:-0}
    if [ "$code" = 200 ] && [ "$bytes" -gt 500 ]; then
      say "check $t $m: $code, $bytes bytes"
    else
      say "check $t $m FAILED: status $code, $bytes bytes (want 200 and the ~1 KB resource)"
      failed=1
    fi
  done
done
[ "$failed" = 0 ] || { for t in "${TARGETS[@]}"; do show_log "$t"; done; die "functional check failed; not measuring"; }

# The rules instance logs at warn, so prove on a throwaway twin at info that
# the dialect rules really fire on the benchmark's PATCH.
scimshim_cmd "$PROBE_PORT" info --rules "$RULES_DIR"
start probe "$CPU_PROXY" "$TMP/probe.log" "${SCIMSHIM_CMD[@]}"
wait_listen probe "$PROBE_PORT"
read -r code _ < <(http_check PATCH "http://127.0.0.1:$PROBE_PORT$RES_PATH") || true
sleep 0.3
applied=$(grep -o '"rule\.id":"[^"]*"' "$TMP/probe.log" | cut -d'"' -f4 | sort -u | paste -sd, - || true)
stop_pid "${PID_OF[probe]}"
[ "$code" = 200 ] || die "PATCH through a rules instance answered $code"
[ -n "$applied" ] || { show_log probe; die "no dialect rule fired on the PATCH body; the rewrite path would not be measured"; }
say "check rules fire on the PATCH: $applied"

# ---- measuring ----------------------------------------------------------------------
secs() { # 10s / 500ms / 2m -> whole seconds (at least 1)
  case $1 in
    *ms) echo 1 ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
WRK_LIMIT=$(( $(secs "$DURATION") + $(secs "$LOW_DURATION") + $(secs "$WARMUP") + 30 ))
to_ms() { # wrk time ("812.00us", "1.20ms", "1.01s") -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v == "") { print "nan"; exit }
    n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1
    printf "%.3f", n * f }'
}
run_wrk() { # run_wrk OUT DURATION CONNS METHOD URL
  local out=$1 dur=$2 conns=$3 method=$4 url=$5 threads=$THREADS
  [ "$conns" -lt "$threads" ] && threads=$conns
  local pin=(); [ -n "$CPU_WRK" ] && pin=(taskset -c "$CPU_WRK")
  local lua="$TMP/get.lua"; [ "$method" = PATCH ] && lua="$TMP/patch.lua"
  timeout "$WRK_LIMIT" "${pin[@]}" "$WRK_BIN" -t"$threads" -c"$conns" -d"$dur" --latency \
    -s "$lua" "$url" >"$out" 2>&1
}
declare -A RPS=() P50=() P99=() ERRS=()   # "target|method|phase" -> per-round values
record() { # record KEY FILE
  local k=$1 f=$2 rps
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$f")
  RPS[$k]+="${rps:-nan} "
  P50[$k]+="$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")") "
  P99[$k]+="$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")") "
  ERRS[$k]+="$(awk '/Non-2xx or 3xx/ {n += $NF}
    /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$f") "
  [ -n "$rps" ] || { say "wrk gave no result for $k:"; cat "$f" >&2; }
}

per_run=$(( $(secs "$WARMUP") + $(secs "$DURATION") ))
[ "$LOW_CONNS" -gt 0 ] && per_run=$(( per_run + $(secs "$LOW_DURATION") ))
say "measuring: ${#TARGETS[@]} targets x ${#METHODS[@]} methods x $ROUNDS round(s), about $(( per_run * ${#TARGETS[@]} * ${#METHODS[@]} * ROUNDS )) s"
for round in $(seq "$ROUNDS"); do
  order=("${TARGETS[@]}")
  if [ $(( round % 2 )) = 0 ]; then   # alternate the order so no target always runs first
    order=(); for (( i = ${#TARGETS[@]} - 1; i >= 0; i-- )); do order+=("${TARGETS[$i]}"); done
  fi
  for m in "${METHODS[@]}"; do
    for t in "${order[@]}"; do
      url="http://127.0.0.1:${PORT_OF[$t]}$RES_PATH"
      say "round $round/$ROUNDS: $t $m"
      [ "$(secs "$WARMUP")" -gt 0 ] && { run_wrk "$TMP/warmup.txt" "$WARMUP" "$CONNS" "$m" "$url" || true; }
      f="$TMP/wrk-$t-$m-sat-$round.txt"
      run_wrk "$f" "$DURATION" "$CONNS" "$m" "$url" || true
      record "$t|$m|sat" "$f"
      if [ "$LOW_CONNS" -gt 0 ]; then
        f="$TMP/wrk-$t-$m-low-$round.txt"
        run_wrk "$f" "$LOW_DURATION" "$LOW_CONNS" "$m" "$url" || true
        record "$t|$m|low" "$f"
      fi
    done
  done
done

# ---- peak RSS (read while everything still runs) -------------------------------------
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
declare -A RSS_KB=()
for t in nginx scimshim-pass scimshim-pass-logged scimshim-rules; do
  pid=${PID_OF[$t]}; kb=$(hwm_kb "$pid")
  if [ "$t" = nginx ]; then   # master + worker
    for c in $(pgrep -P "$pid" 2>/dev/null || true); do kb=$(( kb + $(hwm_kb "$c") )); done
  fi
  RSS_KB[$t]=${kb:-0}
done

# ---- report ------------------------------------------------------------------------
median() { # numbers on stdin (nan ignored) -> median, or n/a
  tr ' ' '\n' | awk '$1 ~ /^-?[0-9.]+$/' | sort -g |
    awk '{a[NR] = $1} END {
      if (NR == 0) print "n/a"
      else if (NR % 2) print a[(NR + 1) / 2]
      else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
pairwise() { # pairwise OP "a1 a2 .." "b1 b2 .." -> per-round a/b or a-b
  paste -d' ' <(tr ' ' '\n' <<<"$2" | awk 'NF') <(tr ' ' '\n' <<<"$3" | awk 'NF') |
    awk -v op="$1" '$1 ~ /^-?[0-9.]+$/ && $2 ~ /^-?[0-9.]+$/ {
      if (op == "div" && $2 > 0) printf "%.4f ", $1 / $2
      else if (op == "sub") printf "%.4f ", $1 - $2 }'
}
fmt() { # fmt PRINTF_FORMAT VALUE (n/a passes through)
  if [ "$2" = n/a ]; then echo n/a; else awk -v f="$1" -v v="$2" 'BEGIN {printf f, v}'; fi
}
total() { tr ' ' '\n' | awk '{n += $1} END {print n + 0}'; }

declare -A RATIO=() ADDED=()
ver_nginx=$("$NGINX_BIN" -v 2>&1 | sed 's/.*version: //')
ver_wrk=$("$WRK_BIN" -v 2>&1 | head -n1 | awk '{print $1, $2}' || true)
ver_rev=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
echo
echo "scimshim bench: $(date -u +%Y-%m-%dT%H:%MZ), scimshim $ver_rev, $ver_nginx, $ver_wrk"
echo "wrk -t$THREADS -c$CONNS -d$DURATION (warm-up $WARMUP), $ROUNDS interleaved round(s), $NCPU CPU(s);" \
  "pinning: wrk=${CPU_WRK:-none} upstream=${CPU_UP:-none} proxies=${CPU_PROXY:-none};" \
  "nginx worker_processes 1, scimshim --worker-threads 1"
echo "req/s, p50, p99: median over rounds; vs_nginx: median of per-round ratios to nginx, same method"
echo
printf '%-21s %-6s %10s %8s %8s %9s %7s\n' target method req/s p50_ms p99_ms vs_nginx errors
for m in "${METHODS[@]}"; do
  for t in "${TARGETS[@]}"; do
    k="$t|$m|sat"
    r=$(pairwise div "${RPS[$k]}" "${RPS[nginx|$m|sat]}" | median)
    RATIO[$t|$m]=$r
    printf '%-21s %-6s %10s %8s %8s %9s %7s\n' "$t" "$m" \
      "$(fmt '%.0f' "$(median <<<"${RPS[$k]}")")" \
      "$(fmt '%.3f' "$(median <<<"${P50[$k]}")")" "$(fmt '%.3f' "$(median <<<"${P99[$k]}")")" \
      "$(fmt '%.2f' "$r")" "$(total <<<"${ERRS[$k]}")"
  done
done
if [ "$ROUNDS" -gt 1 ]; then
  echo
  echo "per-round req/s:"
  for m in "${METHODS[@]}"; do for t in "${TARGETS[@]}"; do
    printf '  %-21s %-6s %s\n' "$t" "$m" "$(tr ' ' '\n' <<<"${RPS[$t|$m|sat]}" | awk 'NF {printf "%.0f ", $1}')"
  done; done
fi

if [ "$LOW_CONNS" -gt 0 ]; then
  echo
  echo "reduced load: wrk -c$LOW_CONNS -d$LOW_DURATION, a stand-in for half saturation (wrk has no fixed-rate mode);"
  echo "load = req/s here / the same target's saturated req/s (aim: about 0.5; change LOW_CONNS if far off);"
  echo "added_p99 = p99 minus upstream's p99 at the same connections and method, median of per-round differences"
  echo
  printf '%-21s %-6s %10s %6s %8s %8s %10s %7s\n' target method req/s load p50_ms p99_ms added_p99 errors
  for m in "${METHODS[@]}"; do
    for t in "${TARGETS[@]}"; do
      k="$t|$m|low"
      load=$(pairwise div "${RPS[$k]}" "${RPS[$t|$m|sat]}" | median)
      added=n/a
      if [ "$t" != upstream ]; then
        added=$(pairwise sub "${P99[$k]}" "${P99[upstream|$m|low]}" | median)
        ADDED[$t|$m]=$added
      fi
      printf '%-21s %-6s %10s %6s %8s %8s %10s %7s\n' "$t" "$m" \
        "$(fmt '%.0f' "$(median <<<"${RPS[$k]}")")" "$(fmt '%.2f' "$load")" \
        "$(fmt '%.3f' "$(median <<<"${P50[$k]}")")" "$(fmt '%.3f' "$(median <<<"${P99[$k]}")")" \
        "$(fmt '%+.3f' "$added")" "$(total <<<"${ERRS[$k]}")"
    done
  done
fi

echo
echo "peak RSS (VmHWM at the end of the run; nginx = master + worker):"
printf '%-21s %8s\n' process MiB
for t in nginx scimshim-pass scimshim-pass-logged scimshim-rules; do
  printf '%-21s %8s\n' "$t" "$(awk -v k="${RSS_KB[$t]}" 'BEGIN {printf "%.1f", k / 1024}')"
done

# ---- goals -------------------------------------------------------------------------
verdict() { # verdict VALUE OP LIMIT -> ok / MISS / n/a
  [ "$1" = n/a ] && { echo n/a; return; }
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    ok = (op == ">=") ? (v >= l) : (v < l); print ok ? "ok" : "MISS" }'
}
echo
echo "goals (one noisy run is indicative only; see bench/README.md):"
for m in "${METHODS[@]}"; do
  r=${RATIO[scimshim-pass|$m]}
  printf '  %-52s %8s  %s\n' "scimshim-pass $m >= 1.00x nginx" "$(fmt '%.2fx' "$r")" "$(verdict "$r" '>=' 1.0)"
done
r=${RATIO[scimshim-rules|PATCH]}
printf '  %-52s %8s  %s\n' "scimshim-rules PATCH >= 0.80x nginx" "$(fmt '%.2fx' "$r")" "$(verdict "$r" '>=' 0.8)"
if [ "$LOW_CONNS" -gt 0 ]; then
  for t in scimshim-pass scimshim-rules; do for m in "${METHODS[@]}"; do
    a=${ADDED[$t|$m]}
    printf '  %-52s %8s  %s\n' "$t $m added p99 < 1 ms (reduced load)" "$(fmt '%.3f' "$a")" "$(verdict "$a" '<' 1.0)"
  done; done
fi
for t in scimshim-pass scimshim-pass-logged scimshim-rules; do
  mb=$(awk -v k="${RSS_KB[$t]}" 'BEGIN {printf "%.1f", k * 1024 / 1e6}')
  printf '  %-52s %8s  %s\n' "$t peak RSS < 20 MB" "${mb}MB" "$(verdict "$mb" '<' 20)"
done

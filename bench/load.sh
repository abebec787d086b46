#!/usr/bin/env bash
# Load benchmark of the release binary over loopback, every default layer on.
#
#   bench/load.sh                  # the default: RUST_LOG=info (one access or audit line per request)
#   RUST_LOG=warn bench/load.sh    # the same with the per-request lines off, to price them
#
# What it does: builds the release binary; starts it from an empty directory with its default
# settings except SIGNER_RATE_LIMIT (raised so it never trips) and --demo credentials, logs to a
# file; pins the server and wrk to different cores (when there are two); then, at 16 and 64
# connections, loads `POST /signature` and `GET /healthz` alternately, 3 rounds of
# BENCH_DURATION seconds each. It prints, per endpoint and connection count, req/s, p50, p99,
# errors and the server's CPU time per request; the ratio signature/healthz (the median of the
# rounds' ratios, each round's two runs being back to back); the idle and peak
# RSS; and the time from spawning the process to its first healthy answer.
#
# Loopback only (127.0.0.1), every step bounded in time; the server is stopped on exit.
# Settings (environment): BENCH_DURATION (s, default 5), BENCH_ROUNDS (3), BENCH_CONNECTIONS
# ("16 64"), BENCH_PORT (first port tried, 4000), BENCH_STARTS (extra cold starts timed, 5),
# BENCH_KEEP_LOG=1 (keep the server's log file), BENCH_BIN (measure this binary instead of
# building one), RUST_LOG (passed to the server).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${BENCH_DURATION:-5}
ROUNDS=${BENCH_ROUNDS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-"16 64"}
STARTS=${BENCH_STARTS:-5}
SERVER_LOG_LEVEL=${RUST_LOG:-}
BODY='{"meetingNumber":"123456789","role":0}'

# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

# --- tools -------------------------------------------------------------------------------------
need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v taskset >/dev/null || need_apt+=(util-linux)
install_missing "${need_apt[@]}"

# --- build -------------------------------------------------------------------------------------
release_binary "$ROOT"

# --- cores -------------------------------------------------------------------------------------
CORES=$(nproc)
if ((CORES >= 2)); then
    SERVER_CPUS=0
    LOAD_CPUS=1
    PINNING="server on CPU $SERVER_CPUS, wrk on CPU $LOAD_CPUS"
else
    SERVER_CPUS=0
    LOAD_CPUS=0
    PINNING="one core: server and wrk share CPU 0"
fi

WORK=$(mktemp -d)
SERVER_PID=
stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
cleanup() {
    stop_server
    if [[ ${BENCH_KEEP_LOG:-0} == 1 ]]; then say "log kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port: nothing answers a connect on it.
port_in_use() { { : ; } 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$1"; }
PORT=${BENCH_PORT:-4000}
while port_in_use "$PORT"; do PORT=$((PORT + 1)); done
URL=http://127.0.0.1:$PORT

# One HTTP/1.0 GET /healthz in pure bash (no process started): true on a 200.
healthy() {
    local status
    { printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && IFS= read -r status <&3; } 2>/dev/null \
        3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
    [[ $status == "HTTP/1."[01]" 200"* ]]
}

micros() { local t=${EPOCHREALTIME/[.,]/}; echo "$((10#$t))"; }

# Starts the server pinned to SERVER_CPUS, from an empty directory (no .env), with a clean
# environment: the defaults, a raised rate limit and --demo credentials. Sets SERVER_PID and
# START_US (spawn to first 200 on /healthz, in µs, polled in-process every ~0.2 ms).
start_server() {
    local log=$1 started now
    mkdir -p "$WORK/cwd"
    local -a environment=(PATH="$PATH" HOME="$WORK/cwd" PORT="$PORT" SIGNER_RATE_LIMIT=1000000/second)
    [[ -n $SERVER_LOG_LEVEL ]] && environment+=(RUST_LOG="$SERVER_LOG_LEVEL")
    started=$(micros)
    (cd "$WORK/cwd" && exec env -i "${environment[@]}" taskset -c "$SERVER_CPUS" "$BIN" --demo) \
        </dev/null >"$log" 2>&1 &
    SERVER_PID=$!
    while :; do
        now=$(micros)
        if healthy; then break; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then say "the server exited; its log:"; cat "$log" >&2; exit 1; fi
        if ((now - started > 10000000)); then say "no healthy answer within 10 s"; exit 1; fi
    done
    START_US=$(($(micros) - started))
}

status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# utime + stime of the server, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICKS=$(getconf CLK_TCK)

cat >"$WORK/load.lua" <<'LUA'
-- POST the body in BODY as JSON when it is set; otherwise the URL's GET. Prints one RESULT line.
local body = os.getenv("BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %d %d %.1f %d %d %d %d\n", summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    latency.max, errors))
end
LUA

# run_wrk PATH BODY CONNECTIONS SECONDS -> "requests duration_us rps p50_us p99_us max_us errors cpu_us_per_request"
run_wrk() {
    local path=$1 body=$2 connections=$3 seconds=$4 before after out line
    before=$(cpu_ticks "$SERVER_PID")
    out=$(BODY="$body" timeout $((seconds + 30)) taskset -c "$LOAD_CPUS" \
        wrk -t1 -c"$connections" -d"${seconds}s" --timeout 5s -s "$WORK/load.lua" "$URL$path")
    after=$(cpu_ticks "$SERVER_PID")
    line=$(grep '^RESULT ' <<<"$out") || { say "$out"; exit 1; }
    read -r _ requests duration rps p50 p99 max errors <<<"$line"
    local cpu_us=$(( (after - before) * 1000000 / TICKS ))
    echo "$requests $duration $rps $p50 $p99 $max $errors $(awk -v c="$cpu_us" -v r="$requests" 'BEGIN { printf "%.1f", r ? c / r : 0 }')"
}

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# --- cold starts -------------------------------------------------------------------------------
start_times=()
for _ in $(seq "$STARTS"); do
    start_server "$WORK/start.log"
    start_times+=("$START_US")
    stop_server
done

# --- the run -----------------------------------------------------------------------------------
LOG=$WORK/server.log
start_server "$LOG"
MAIN_START_US=$START_US
sleep 1
IDLE_RSS=$(status_kib "$SERVER_PID" VmRSS)
LOG_LINES_BEFORE=$(wc -l <"$LOG")

say "warming up"
run_wrk /signature "$BODY" 16 1 >/dev/null
run_wrk /healthz "" 16 1 >/dev/null

{
    echo "zoom-signer load benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(uname -sr)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "server: $BIN --demo, RUST_LOG=${SERVER_LOG_LEVEL:-(unset: info)}, SIGNER_RATE_LIMIT=1000000/second, log to a file; $PINNING"
    echo "load: wrk -t1, ${DURATION} s per run, $ROUNDS rounds alternating, loopback $URL"
    echo
} >&2

declare -A RPS P50 P99 ERR CPU PAIRS
printf '%-16s %5s %5s %10s %9s %9s %9s %7s %13s\n' endpoint conns round req/s p50_ms p99_ms max_ms errors cpu_us/req >&2
for c in $CONNECTIONS; do
    for round in $(seq "$ROUNDS"); do
        for endpoint in "POST /signature" "GET /healthz"; do
            if [[ $endpoint == POST* ]]; then result=$(run_wrk /signature "$BODY" "$c" "$DURATION")
            else result=$(run_wrk /healthz "" "$c" "$DURATION"); fi
            read -r requests _ rps p50 p99 max errors cpu <<<"$result"
            key="$endpoint|$c"
            RPS[$key]+="$rps "; P50[$key]+="$p50 "; P99[$key]+="$p99 "; CPU[$key]+="$cpu "
            ERR[$key]=$(( ${ERR[$key]:-0} + errors ))
            printf '%-16s %5s %5s %10.0f %9s %9s %9s %7s %13s\n' "$endpoint" "$c" "$round" "$rps" \
                "$(ms "$p50")" "$(ms "$p99")" "$(ms "$max")" "$errors" "$cpu" >&2
            if [[ $endpoint == POST* ]]; then signature_rps=$rps; fi
        done
        # The two runs of a round are back to back, so a slower or faster machine (other tenants
        # of a virtual machine) weighs on both: their ratio varies less than either.
        PAIRS[$c]+="$(awk -v s="$signature_rps" -v h="$rps" 'BEGIN { printf "%.2f", s / h }') "
    done
done
PEAK_RSS=$(status_kib "$SERVER_PID" VmHWM)
LOG_LINES=$(($(wc -l <"$LOG") - LOG_LINES_BEFORE))
LOG_BYTES=$(stat -c %s "$LOG")
stop_server

med() { tr ' ' '\n' <<<"$1" | grep . | median; }
echo
echo "Medians of $ROUNDS rounds ($(nproc) CPUs, $PINNING; load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| Endpoint | Connections | req/s | p50 (ms) | p99 (ms) | Errors | Server CPU per request (µs) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for c in $CONNECTIONS; do
    for endpoint in "POST /signature" "GET /healthz"; do
        key="$endpoint|$c"
        printf '| `%s` | %s | %.0f | %s | %s | %s | %s |\n' "$endpoint" "$c" "$(med "${RPS[$key]}")" \
            "$(ms "$(med "${P50[$key]}")")" "$(ms "$(med "${P99[$key]}")")" "${ERR[$key]}" "$(med "${CPU[$key]}")"
    done
done
echo
for c in $CONNECTIONS; do
    printf 'signature/healthz req/s at %s connections: %s (median of the rounds'"'"' ratios: %s; ratio of the medians: %s)\n' \
        "$c" "$(med "${PAIRS[$c]}")" "${PAIRS[$c]% }" \
        "$(awk -v s="$(med "${RPS["POST /signature|$c"]}")" -v h="$(med "${RPS["GET /healthz|$c"]}")" 'BEGIN { printf "%.2f", s / h }')"
done
sorted_starts=$(printf '%s\n' "${start_times[@]}" "$MAIN_START_US" | sort -n)
echo "idle RSS: $(awk -v k="$IDLE_RSS" 'BEGIN { printf "%.1f", k / 1024 }') MiB; peak RSS under load (VmHWM): $(awk -v k="$PEAK_RSS" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
echo "start to first healthy answer: $(ms "$MAIN_START_US") ms this run; over $((STARTS + 1)) starts median $(ms "$(median <<<"$sorted_starts")") ms, max $(ms "$(tail -n1 <<<"$sorted_starts")") ms (spawn to the first 200 on GET /healthz, polled from bash over /dev/tcp)"
echo "log: $LOG_LINES lines, $(awk -v b="$LOG_BYTES" 'BEGIN { printf "%.1f", b / 1048576 }') MiB written during the run"

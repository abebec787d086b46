#!/usr/bin/env bash
# Instructions per request of the release binary, counted by callgrind: a deterministic measure of
# what a request costs, where req/s (bench/load.sh) swings ±30 % on a shared VM.
#
#   bench/instructions.sh                                  # POST /signature and GET /healthz
#   INSTR_ROUNDS=5 bench/instructions.sh                   # more rounds: a tighter mean
#   BENCH_BIN=path/to/zoom-signer BENCH_COMMIT=abc123 bench/instructions.sh   # that binary, no build
#
# What it does: builds the release binary; starts it under `valgrind --tool=callgrind` from an
# empty directory with its default settings except SIGNER_RATE_LIMIT (raised so it never trips)
# and --demo credentials, as bench/load.sh does: RUST_LOG unset (info: one access or audit line
# per request, text format, to a file through the background writer thread), pinned to one CPU
# (so tokio runs one worker thread, as under load.sh). One client (python3, raw HTTP/1.1 over one
# keep-alive connection; another process, so not counted) sends requests one at a time:
# `POST /signature` with {"meetingNumber":"123456789","role":0} (Content-Type: application/json,
# no Origin) and `GET /healthz`. Warm-up: INSTR_WARMUP of each, unpaced then paced (below). Then
# INSTR_ROUNDS rounds, each a window of INSTR_REQUESTS signatures then one of INSTR_REQUESTS
# healthz requests.
#
# How a window is counted: `callgrind_control -z` zeroes the counters while the server is idle;
# the client sends the window's requests; `callgrind_control -d` dumps the counts since the zero;
# the dump's `totals:` Ir over the number of requests is the figure. Start-up, warm-up (lazy
# statics, the rate limiter's first bucket, metric labels seen the first time), connection
# set-up and shutdown fall outside every window. Callgrind runs without --separate-threads, so a
# dump is the sum over all threads: the tokio worker's instructions and the log writer thread's
# (taking the line off the channel, its write system call, parking and waking) are both in it.
# Only user-space instructions count: the kernel's share (TCP, epoll, write) does not, so the
# ratio signature/healthz here is not load.sh's ratio of req/s.
#
# Paced: before sending the next request the client waits until the previous request's log line
# is in the log file, i.e. until the writer thread is done with it. Unpaced, the writer sometimes
# lags a few lines behind and takes them in one batch, and when it does varies from run to run:
# that moved the figures by up to 0.9 %. Paced, each line costs one wake-up of the writer (as for
# a request to an idle server; under heavy load lines are batched and cost a little less).
#
# What still varies, almost all of it in the tokio worker thread, is glibc malloc's path: the
# worker allocates each log line and the writer thread frees it into the worker's arena while the
# worker goes on with the request, so the heap's state (tcache misses, consolidation, realloc in
# place or not) depends on how the two threads happen to interleave; and the writer's
# spin-then-park. Single windows differ by up to about 0.8 % (signature) and 2 % (healthz); the
# means of a run's rounds (what is printed last) of five runs of one binary spanned 0.6 %
# (signature) and 0.5 % (healthz), about ±0.3 %. With RUST_LOG=warn (no lines) windows agree
# within 0.1 %. The request
# id is a counter written in hex, so figures creep up by a few instructions as it gains digits.
# Hash seeds and timestamps do not matter (SipHash costs the same for any seed; the time is
# written at a fixed width).
#
# Valgrind's virtual CPU has no SHA extensions (nor AVX-512): sha2 finds no SHA-NI and runs its
# portable SHA-256, about 2,200 instructions a block, some 17,000 per signature (HMAC-SHA256 of
# the token), where a CPU with SHA-NI needs a small fraction of that. The script prints that
# share: the signature figure overstates what a signature costs on such a CPU by about as much.
#
# Loopback only (127.0.0.1), every step bounded in time; the server is stopped on exit. One run
# takes about 25 s plus the build (valgrind runs the server some 50 times slower).
# Settings (environment): INSTR_REQUESTS (per window, default 2000), INSTR_ROUNDS (3),
# INSTR_WARMUP (200), BENCH_PORT (first port tried, 4000), BENCH_BIN (measure this binary instead
# of building one), BENCH_COMMIT (what to call that binary in the output), BENCH_KEEP_LOG=1 (keep
# the server's log and callgrind's dumps), RUST_LOG (passed to the server). Output: one line per
# round on stderr; the means and the ratio on stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQUESTS=${INSTR_REQUESTS:-2000}
ROUNDS=${INSTR_ROUNDS:-3}
WARMUP=${INSTR_WARMUP:-200}
SERVER_LOG_LEVEL=${RUST_LOG:-}
BODY='{"meetingNumber":"123456789","role":0}'

# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
die() { say "$*"; exit 1; }

for setting in REQUESTS ROUNDS WARMUP; do
    [[ ${!setting} =~ ^[1-9][0-9]*$ ]] || die "INSTR_$setting must be a positive whole number, got '${!setting}'"
done

# --- tools -------------------------------------------------------------------------------------
need_apt=()
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null || need_apt+=(valgrind)
command -v python3 >/dev/null || need_apt+=(python3)
command -v taskset >/dev/null || need_apt+=(util-linux)
install_missing "${need_apt[@]}"

# --- build -------------------------------------------------------------------------------------
release_binary "$ROOT"
if [[ -n ${BENCH_BIN:-} ]]; then
    COMMIT=${BENCH_COMMIT:-unknown (BENCH_BIN)}
else
    COMMIT=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
    # Uncommitted changes to what the binary is built from make it something else than the commit.
    if [[ $COMMIT != unknown && -n $(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null) ]]; then
        COMMIT+=" + uncommitted changes"
    fi
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

WORK=$(mktemp -d)
SERVER_PID=
CLIENT_PID=
stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        # Under valgrind a graceful stop (and callgrind's last dump) takes a moment.
        for _ in $(seq 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
stop_client() {
    if [[ -n $CLIENT_PID ]] && kill -0 "$CLIENT_PID" 2>/dev/null; then
        kill -TERM "$CLIENT_PID" 2>/dev/null || true
        wait "$CLIENT_PID" 2>/dev/null || true
    fi
    CLIENT_PID=
}
cleanup() {
    stop_client
    stop_server
    if [[ ${BENCH_KEEP_LOG:-0} == 1 ]]; then say "log and dumps kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port: nothing answers a connect on it.
port_in_use() { { : ; } 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$1"; }
PORT=${BENCH_PORT:-4000}
while port_in_use "$PORT"; do PORT=$((PORT + 1)); done

# One HTTP/1.0 GET /healthz in pure bash (no process started): true on a 200.
healthy() {
    local status
    { printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && IFS= read -r status <&3; } 2>/dev/null \
        3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
    [[ $status == "HTTP/1."[01]" 200"* ]]
}

# --- the server under callgrind ----------------------------------------------------------------
LOG=$WORK/server.log
VGDB_PREFIX=$WORK/vgdb-pipe
mkdir -p "$WORK/cwd"
environment=(PATH="$PATH" HOME="$WORK/cwd" PORT="$PORT" SIGNER_RATE_LIMIT=1000000/second)
[[ -n $SERVER_LOG_LEVEL ]] && environment+=(RUST_LOG="$SERVER_LOG_LEVEL")
say "starting the server under callgrind"
(cd "$WORK/cwd" && exec env -i "${environment[@]}" taskset -c 0 valgrind --tool=callgrind \
    --callgrind-out-file="$WORK/callgrind.out" --vgdb=yes --vgdb-prefix="$VGDB_PREFIX" \
    --log-file="$WORK/valgrind.log" "$BIN" --demo) </dev/null >"$LOG" 2>&1 &
SERVER_PID=$!
for attempt in $(seq 600); do
    if healthy; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { say "the server exited; its log:"; cat "$LOG" "$WORK/valgrind.log" >&2; exit 1; }
    ((attempt < 600)) || die "no healthy answer within 60 s"
    sleep 0.1
done

# callgrind_control exits 0 whatever happens: its output says whether it reached the server.
callgrind() {
    local out
    out=$(timeout 60 callgrind_control --vgdb-prefix="$VGDB_PREFIX" "$@" "$SERVER_PID" 2>&1) \
        || die "callgrind_control $*: failed or timed out: $out"
    if grep -qiE 'error|no active|not detected|cannot' <<<"$out"; then die "callgrind_control $*: $out"; fi
}

# --- the client --------------------------------------------------------------------------------
# Reads "<route> <count> <lines per request>" lines; sends that many requests one after another on
# its one connection, reads each reply to its end and, when the route writes log lines, waits for
# the request's line to reach the log file before the next request (see "Paced" above); answers
# "ok" (or "error ..." and exits).
cat >"$WORK/client.py" <<'PY'
import os, socket, sys, time

port, body, log = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
host = f"127.0.0.1:{port}".encode()
requests = {
    "signature": b"POST /signature HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: application/json\r\n"
    + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
    "healthz": b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\n\r\n",
}
sock = socket.create_connection(("127.0.0.1", port), timeout=60)
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
buffer = b""

def reply():
    global buffer
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        buffer += chunk
    head, _, buffer = buffer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = lines[0].split(b" ")[1]
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ValueError(f"a reply without Content-Length: {head!r}")
    while len(buffer) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        buffer += chunk
    reply_body, buffer = buffer[:length], buffer[length:]
    if status != b"200":
        raise ValueError(f"status {status.decode()}: {reply_body[:200]!r}")

log_file = open(log, "rb")

def wait_for_lines(wanted):
    deadline = time.monotonic() + 30
    while wanted > 0:
        wanted -= log_file.read().count(b"\n")
        if wanted > 0:
            if time.monotonic() > deadline:
                raise TimeoutError("the request's log line did not reach the log within 30 s")
            time.sleep(0.0002)

for command in sys.stdin:
    route, count, per_request = command.split()
    try:
        per_request = int(per_request)
        log_file.seek(0, os.SEEK_END)
        for _ in range(int(count)):
            sock.sendall(requests[route])
            reply()
            # The log writer thread is done with the request's line once the line is in the file.
            wait_for_lines(per_request)
    except Exception as error:
        print(f"error {route}: {error}", flush=True)
        sys.exit(1)
    print("ok", flush=True)
PY
coproc CLIENT_PROCESS { exec timeout 3600 python3 "$WORK/client.py" "$PORT" "$BODY" "$LOG" 2>&1; }
CLIENT_PID=$CLIENT_PROCESS_PID
# Input and output of the client, kept on descriptors of their own.
exec {TO_CLIENT}>&"${CLIENT_PROCESS[1]}" {FROM_CLIENT}<&"${CLIENT_PROCESS[0]}"

# send ROUTE COUNT [LINES]: the client sends COUNT requests to ROUTE; returns once all are
# answered. With LINES (> 0), each request waits for its LINES log lines before the next.
send() {
    local answer
    printf '%s %s %s\n' "$1" "$2" "${3:-0}" >&"$TO_CLIENT"
    # Some 20 ms a request under valgrind on a slow machine, then a margin.
    IFS= read -r -t $((60 + $2 / 10)) answer <&"$FROM_CLIENT" || die "the client did not finish $2 requests to $1 in time"
    [[ $answer == ok ]] || die "client: $answer"
}

lines() { wc -l <"$LOG"; }
# Waits until the log has at least $1 lines and has stopped growing (the writer is done).
settle() {
    local want=$1 seen last=-1
    for _ in $(seq 600); do
        seen=$(lines)
        if ((seen >= want && seen == last)); then return; fi
        last=$seen
        sleep 0.1
    done
    die "the log did not reach $want lines (it has $(lines)) within 60 s"
}

# --- warm-up -----------------------------------------------------------------------------------
say "warming up ($WARMUP requests each)"
declare -A PER_REQUEST_LINES
for route in signature healthz; do
    settle 0
    before=$(lines)
    send "$route" "$WARMUP"
    settle "$before"
    after=$(lines)
    # One line per request at info, none at warn; waiting for the window's lines relies on it.
    PER_REQUEST_LINES[$route]=$(((after - before) / WARMUP))
    (((after - before) % WARMUP == 0)) || die "$route: $((after - before)) log lines for $WARMUP requests"
    # Then as the windows run: paced.
    send "$route" "$WARMUP" "${PER_REQUEST_LINES[$route]}"
done

# --- the windows -------------------------------------------------------------------------------
# measure ROUTE: sets MEASURED to the instructions per request (one decimal) of one zeroed window.
DUMPS=0
MEASURED=
SIGNATURE_DUMP=
measure() {
    local route=$1 before dump total
    before=$(lines)
    callgrind -z
    send "$route" "$REQUESTS" "${PER_REQUEST_LINES[$route]}"
    settle $((before + PER_REQUEST_LINES[$route] * REQUESTS))
    callgrind -d
    DUMPS=$((DUMPS + 1))
    dump=$WORK/callgrind.out.$DUMPS
    for _ in $(seq 100); do [[ -s $dump ]] && grep -q '^totals:' "$dump" && break; sleep 0.1; done
    total=$(awk '$1 == "totals:" { print $2; exit }' "$dump" 2>/dev/null)
    [[ $total =~ ^[0-9]+$ ]] || die "no totals in $dump: $(ls "$WORK")"
    MEASURED=$(awk -v t="$total" -v n="$REQUESTS" 'BEGIN { printf "%.1f", t / n }')
    if [[ $route == signature && -z $SIGNATURE_DUMP ]]; then SIGNATURE_DUMP=$dump; fi
}

{
    echo "zoom-signer instructions per request (callgrind) — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "binary: $BIN"
    echo "commit: $COMMIT"
    echo "server: --demo, RUST_LOG=${SERVER_LOG_LEVEL:-(unset: info)}, SIGNER_RATE_LIMIT=1000000/second, text log to a file, one CPU; $(valgrind --version)"
    echo "client: one keep-alive connection, $WARMUP warm-up requests each, then $ROUNDS rounds of $REQUESTS requests each"
    echo
} >&2

SIGNATURE=()
HEALTHZ=()
printf '%-6s %22s %22s %8s\n' round "POST /signature" "GET /healthz" ratio >&2
for round in $(seq "$ROUNDS"); do
    measure signature
    s=$MEASURED
    measure healthz
    h=$MEASURED
    SIGNATURE+=("$s")
    HEALTHZ+=("$h")
    printf '%-6s %22s %22s %8s\n' "$round" "$s" "$h" "$(awk -v s="$s" -v h="$h" 'BEGIN { printf "%.3f", s / h }')" >&2
done
stop_client
stop_server

# The mean over rounds, and the spread (max - min) as a share of it.
stats() { tr ' ' '\n' <<<"$*" | awk 'NF { n++; s += $1; if (n == 1 || $1 < lo) lo = $1; if (n == 1 || $1 > hi) hi = $1 }
    END { printf "%.0f %.2f", s / n, (hi - lo) / (s / n) * 100 }'; }
read -r sig sig_spread <<<"$(stats "${SIGNATURE[*]}")"
read -r hz hz_spread <<<"$(stats "${HEALTHZ[*]}")"
echo
echo "commit: $COMMIT"
echo "POST /signature: $sig instructions per request (spread over $ROUNDS rounds: $sig_spread %)"
echo "GET /healthz:    $hz instructions per request (spread over $ROUNDS rounds: $hz_spread %)"
echo "signature/healthz: $(awk -v s="$sig" -v h="$hz" 'BEGIN { printf "%.3f", s / h }')"
# SHA-256's block function (sha2's compress256), from the first signature window: see the header.
sha=$(timeout 120 callgrind_annotate --threshold=100 "$SIGNATURE_DUMP" 2>/dev/null |
    awk -v n="$REQUESTS" '/sha256::compress256/ { gsub(",", "", $1); s += $1 } END { if (s) printf "%.0f", s / n }') || true
if [[ -n $sha ]]; then
    echo "of which SHA-256 compression (sha2's portable code, as valgrind hides SHA-NI): $sha per signature request"
fi

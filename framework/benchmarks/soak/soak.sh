#!/usr/bin/env bash
# A bounded soak of the demo in each threading mode: wrk at saturation on /fast, /slow?ms=100 and
# POST /jobs/report together for DURATION seconds, sampling the server every 15 s (RSS, threads,
# file descriptors), then idle until its threads come back down. Prints one table per mode and a
# verdict line; docs/operations.md ("Soak") shows a run and how to read it.
#
#   framework/benchmarks/soak/soak.sh                       # 300 s per mode, all four modes
#   DURATION=60 MODES="virtual pool" framework/benchmarks/soak/soak.sh
#
# Needs wrk (apt-get install wrk) and the demo jar (./run-demo builds it). Loopback only; every load
# is bounded by DURATION and every server is stopped on exit. Runs niced when NICE is set, so that a
# shared machine stays usable (the figures it checks are memory, threads and errors, not speed).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
here="$root/framework/benchmarks/soak"
DURATION=${DURATION:-300}
MODES=${MODES:-"single threaded virtual pool"}
PORT=${PORT:-18190}
SAMPLE=${SAMPLE:-15}
NICE=${NICE:-0}
url="http://127.0.0.1:$PORT"
out="$(mktemp -d)"
server=""

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    pkill -P $$ wrk 2>/dev/null || true
    rm -rf "$out"
}
trap cleanup EXIT

threads_of() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
rss_mb_of() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
fds_of() { ls "/proc/$1/fd" | wc -l; }
thread_names() { cat /proc/"$1"/task/*/comm 2>/dev/null | sed 's/[0-9][0-9]*$/N/' | sort; }
sample() { printf "%6s %8s %8s %6s\n" "$1" "$(rss_mb_of "$server")" "$(threads_of "$server")" "$(fds_of "$server")"; }
# The heap still live after a full collection, before and after the load: tells a leak (it grows)
# from the JVM sizing its heap (RSS grows, this does not). jcmd's Attach Listener thread and its
# socket stay afterwards: the "after" counts include them.
live_heap_mb() {
    local jcmd; jcmd="$(dirname "$(readlink -f "/proc/$server/exe")")/jcmd"
    "$jcmd" "$server" GC.run > /dev/null 2>&1
    "$jcmd" "$server" GC.heap_info 2>/dev/null | awk '/garbage-first heap/ {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i + 1); sub(/K,?/, "", v); printf "%.0f", v / 1024; exit}}'
}

load() {  # name connections path [method body]
    SOAK_METHOD="${4:-GET}" SOAK_BODY="${5:-}" nice -n "$NICE" wrk -t1 -c"$2" -d"${DURATION}s" --timeout 10s \
        -s "$here/soak.lua" "$url$3" > "$out/$1.txt" 2>&1 &
}

for mode in $MODES; do
    nice -n "$NICE" "$root/run-demo" "--$mode" --port "$PORT" > "$out/server-$mode.log" 2>&1 &
    server=$!
    for _ in $(seq 1 300); do
        curl -s -o /dev/null --max-time 1 "$url/fast" && break
        sleep 0.2
    done
    sleep 5
    live_idle=$(live_heap_mb)
    idle_threads=$(threads_of "$server"); idle_fds=$(fds_of "$server"); idle_rss=$(rss_mb_of "$server")
    thread_names "$server" > "$out/threads-idle.txt"
    echo "== --$mode: ${DURATION} s of /fast (32 connections) + /slow?ms=100 (8) + POST /jobs/report (2)"
    printf "%6s %8s %8s %6s\n" "t (s)" "RSS (MB)" "threads" "fds"
    sample idle
    load fast 32 /fast
    load slow 8 "/slow?ms=100"
    load jobs 2 /jobs/report POST '{"ms":3000,"steps":10}'
    rss_at_60=""; rss_end=0; max_threads=0
    for t in $(seq "$SAMPLE" "$SAMPLE" "$DURATION"); do
        sleep "$SAMPLE"
        sample "$t"
        rss_end=$(rss_mb_of "$server")
        threads=$(threads_of "$server")
        [ "$threads" -gt "$max_threads" ] && max_threads=$threads
        [ "$t" -ge 60 ] && [ -z "$rss_at_60" ] && rss_at_60=$rss_end
    done
    wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
    after=0
    while [ "$after" -lt 120 ]; do   # jobs still queued finish first; then threads and fds settle
        sleep "$SAMPLE"; after=$((after + SAMPLE))
        [ "$(threads_of "$server")" -le "$idle_threads" ] && [ "$(fds_of "$server")" -le "$idle_fds" ] && break
    done
    sample "+$after"
    live_after=$(live_heap_mb)
    thread_names "$server" > "$out/threads-after.txt"
    if ! diff -q "$out/threads-idle.txt" "$out/threads-after.txt" > /dev/null; then
        echo "threads after the load that were not there idle (+) or are gone (-), numbers as N:"
        { diff "$out/threads-idle.txt" "$out/threads-after.txt" || true; } | sed -n 's/^</-/p; s/^>/+/p'
    fi
    for name in fast slow jobs; do
        printf "%-5s %s\n" "$name" "$(grep '^responses' "$out/$name.txt" || echo "no summary: $(tail -1 "$out/$name.txt")")"
    done
    other=$(cat "$out"/fast.txt "$out"/slow.txt "$out"/jobs.txt | awk -F'[ =]' '/^responses/ {s += $7 + $9} END {print s + 0}')
    growth=$(awk -v a="${rss_at_60:-$idle_rss}" -v b="$rss_end" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
    echo "verdict --$mode: errors (not 503)=$other, RSS ${rss_at_60:-?} -> $rss_end MB after the first minute" \
        "(${growth} %), live heap after a full GC $live_idle -> $live_after MB (idle, after)," \
        "threads idle $idle_threads / max $max_threads / after $(threads_of "$server")," \
        "fds idle $idle_fds / after $(fds_of "$server")"
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
done

#!/usr/bin/env bash
# Is bench's client fast enough not to be the limit? Runs bench's closed /fast load and wrk's on the
# same demo server, in alternating pairs, and prints each pair and the medians (docs/benchmarks.md).
#
#   demo-app/wrk-crosscheck.sh                 # 3 pairs of 5 s, demo --virtual on 127.0.0.1:18090
#   PAIRS=5 DURATION=10 PORT=18091 MODE=--pool demo-app/wrk-crosscheck.sh
#
# Needs wrk (apt-get install wrk) and a JDK 21+; builds the demo through ./run-demo if needed.
# Loopback only, every load bounded by its duration, the server stopped on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
PORT=${PORT:-18090}
PAIRS=${PAIRS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-32}
MODE=${MODE:---virtual}
url="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
"$root/run-demo" "$MODE" --port "$PORT" > /dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    curl -s -o /dev/null --max-time 1 "$url/fast" && break
    sleep 0.2
done
wrk -t1 -c"$CONNECTIONS" -d10s "$url/fast" > /dev/null   # the server's JIT warm-up

bench_rps() {
    "$root/run-demo" bench --url "demo=$url" --scenario fast --connections "$CONNECTIONS" \
        --duration "$DURATION" --no-progress --out "$root/demo-app/target/bench/crosscheck" 2>/dev/null \
        | awk -F'|' '$2 ~ /^ demo / { gsub(/[ ,]/, "", $3); print $3; exit }'
}
wrk_rps() {
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$url/fast" | awk '/Requests\/sec/ { printf "%.0f\n", $2 }'
}

echo "pair  bench req/s  wrk req/s  bench/wrk"
bench_all=(); wrk_all=()
for pair in $(seq 1 "$PAIRS"); do
    b=$(bench_rps); w=$(wrk_rps)
    bench_all+=("$b"); wrk_all+=("$w")
    awk -v p="$pair" -v b="$b" -v w="$w" 'BEGIN { printf "%4d  %11d  %9d  %8.2f\n", p, b, w, b / w }'
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mb=$(median "${bench_all[@]}"); mw=$(median "${wrk_all[@]}")
awk -v b="$mb" -v w="$mw" 'BEGIN { printf "median  %9d  %9d  %8.2f\n", b, w, b / w }'

#!/usr/bin/env bash
# Server CPU and context switches per GET /fast, for demo jars (and peers) side by side: starts
# every target at once on 127.0.0.1, warms each with 5 s of wrk, then in each round loads each in turn with
# `wrk -t1 -c32` while `perf stat` counts the server's task-clock and context switches. CPU time
# per request moves less with machine noise than requests per second do; run the jars in the same
# session and compare rounds, not runs. docs/benchmarks.md ("Hot path") shows a run.
#
#   framework/benchmarks/cpu-per-request.sh --virtual before=/tmp/before.jar after=demo-app/target/demo-app.jar
#   ROUNDS=3 SECONDS_EACH=5 framework/benchmarks/cpu-per-request.sh --pool after=demo-app/target/demo-app.jar
#   framework/benchmarks/cpu-per-request.sh --virtual spindle=demo-app/target/demo-app.jar \
#       'helidon=cmd:java -jar /tmp/peers/helidon/target/helidon-peer.jar'
#
# A LABEL=cmd:COMMAND target is any server (e.g. one of ../shared/peers) that reads its port from
# $PORT and serves GET /fast; it gets no mode flag.
#
# Needs wrk, perf (linux-tools; software events only, so it works in VMs without hardware
# counters) and bc, and a JDK 21+ as `java` or in JAVA. Loopback only; every load is bounded and
# every server it started is stopped on exit.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 MODE-FLAG LABEL=JAR [LABEL=JAR...]" >&2; exit 2; }
for tool in wrk perf bc; do
    command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
JAVA=${JAVA:-java}
ROUNDS=${ROUNDS:-5}
SECONDS_EACH=${SECONDS_EACH:-8}
PORT=${PORT:-18700}
mode=$1
shift
out="$(mktemp -d)"
pids=()
labels=()
ports=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$out"
}
trap cleanup EXIT

port=$PORT
for spec in "$@"; do
    target="${spec#*=}"
    if [[ "$target" == cmd:* ]]; then
        PORT=$port bash -c "exec ${target#cmd:}" > "$out/${spec%%=*}.log" 2>&1 &
    else
        "$JAVA" -jar "$target" "$mode" --port "$port" > "$out/${spec%%=*}.log" 2>&1 &
    fi
    pids+=($!)
    labels+=("${spec%%=*}")
    ports+=("$port")
    port=$((port + 1))
done
for p in "${ports[@]}"; do
    for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$p/fast" && break; sleep 0.1; done
    wrk -t1 -c32 -d5s "http://127.0.0.1:$p/fast" > /dev/null
done

echo "round label req/s server-cpu-us/req context-switches/req"
for round in $(seq 1 "$ROUNDS"); do
    for i in "${!labels[@]}"; do
        perf stat -x, -e task-clock,context-switches -p "${pids[$i]}" -o "$out/perf" -- sleep $((SECONDS_EACH + 1)) &
        counting=$!
        sleep 0.5
        result=$(wrk -t1 -c32 -d"${SECONDS_EACH}s" "http://127.0.0.1:${ports[$i]}/fast")
        wait "$counting"
        requests=$(awk '/requests in/ {print $1}' <<< "$result")
        rate=$(awk '/Requests\/sec/ {print $2}' <<< "$result")
        clock=$(awk -F, '/task-clock/ {print $1}' "$out/perf")
        switches=$(awk -F, '/context-switches/ {print $1}' "$out/perf")
        printf '%s %s %s %.2f %.3f\n' "$round" "${labels[$i]}" "$rate" \
            "$(bc -l <<< "$clock * 1000 / $requests")" "$(bc -l <<< "$switches / $requests")"
    done
done

#!/usr/bin/env bash
# Startup and idle memory, side by side: starts each target ROUNDS times, round-robin so that machine
# noise hits all alike, and measures the milliseconds from launching the process to the first 200 on
# /fast (curl every 5 ms), the CPU time the process had used by then, and its resident memory (VmRSS
# in /proc, in MiB as the peers' harness reports it) after that one request and IDLE seconds without
# any. Prints each start, then per target the median and range, and the median startup as a ratio to
# the first target's (docs/benchmarks.md, "Startup and memory").
#
#   PEERS=/path/to/built/peers demo-app/startup.sh    # raw Undertow (io), then the demo --virtual
#   TARGETS=file ROUNDS=7 IDLE=5 demo-app/startup.sh   # lines "name<TAB>command"; the command uses $PORT
#
# Every target runs with the same java (JAVA; default $JAVA_HOME/bin/java, else java on PATH) and no
# JVM flag. Needs curl and a built demo (mvn -DskipTests package). Loopback only; each start is
# bounded by TIMEOUT seconds and every server is stopped by its process id.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS=${ROUNDS:-5}
IDLE=${IDLE:-3}
TIMEOUT=${TIMEOUT:-60}
PORT=${PORT:-18190}
JAVA=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
jar="$root/demo-app/target/demo-app.jar"

[ -f "$jar" ] || { echo "no $jar: build it with mvn -DskipTests package" >&2; exit 1; }
targets=$(mktemp); results=$(mktemp)
server=
trap 'stop; rm -f "$targets" "$results"' EXIT
if [ -n "${TARGETS:-}" ]; then
    cp "$TARGETS" "$targets"
else
    [ -f "${PEERS:-}/raw-undertow/target/raw-undertow.jar" ] || {
        echo "set PEERS to a built copy of the peers (raw-undertow/target/raw-undertow.jar), or TARGETS" >&2; exit 1; }
    printf 'raw-undertow io\t%s -jar %s io\n' "$JAVA" "$PEERS/raw-undertow/target/raw-undertow.jar" >> "$targets"
    printf 'spindle --virtual\t%s -jar %s --virtual --port $PORT\n' "$JAVA" "$jar" >> "$targets"
fi
names=(); commands=()
while IFS=$'\t' read -r name command; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    names+=("$name"); commands+=("$command")
done < "$targets"

stop() {
    [ -n "$server" ] || return 0
    kill "$server" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
}

# One start: sets ms (to the first 200), cpu (CPU ms the server had used by then) and rss (MiB, after
# IDLE seconds), or ms=failed.
measure() {
    local command=$1 url="http://127.0.0.1:$PORT/fast" t0 t1 deadline code=000
    if curl -s -o /dev/null --max-time 1 "$url"; then
        echo "something already answers on port $PORT: choose another with PORT=" >&2; exit 1
    fi
    t0=$(date +%s%N)
    deadline=$(( t0 + TIMEOUT * 1000000000 ))
    PORT=$PORT SLOW_MS=100 bash -c "exec $command" > /dev/null 2>&1 &
    server=$!
    while [ "$(date +%s%N)" -lt "$deadline" ] && kill -0 "$server" 2>/dev/null; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null || true)
        [ "$code" = 200 ] && break
        sleep 0.005
    done
    t1=$(date +%s%N)
    ms=failed; cpu=-; rss=-
    if [ "$code" = 200 ] && kill -0 "$server" 2>/dev/null; then
        ms=$(( (t1 - t0) / 1000000 ))
        cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$server/stat")
        sleep "$IDLE"
        rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$server/status")
    fi
    stop
}

printf '%-24s %5s %11s %8s %12s\n' target round startup_ms cpu_ms idle_rss_mib
for round in $(seq 1 "$ROUNDS"); do
    for i in "${!names[@]}"; do
        measure "${commands[$i]}"
        printf '%-24s %5d %11s %8s %12s\n' "${names[$i]}" "$round" "$ms" "$cpu" "$rss"
        printf '%s\t%s\t%s\t%s\n' "${names[$i]}" "$ms" "$cpu" "$rss" >> "$results"
        sleep 1
    done
done
echo
python3 - "$results" <<'PY'
import collections, statistics, sys
runs = collections.OrderedDict()
failed = collections.Counter()
for line in open(sys.argv[1]):
    name, ms, cpu, rss = line.rstrip("\n").split("\t")
    runs.setdefault(name, [])
    if ms == "failed":
        failed[name] += 1
    else:
        runs[name].append((int(ms), float(cpu), float(rss)))
def cell(values, digits=0):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"
first = None
print(f"{'target':24s} {'startup ms':>20s} {'ratio':>6s} {'CPU ms':>20s} {'idle RSS MiB':>20s} {'failed':>6s}")
for name, values in runs.items():
    if not values:
        print(f"{name:24s} {'-':>20s} {'':6s} {'-':>20s} {'-':>20s} {failed[name]:6d}")
        continue
    ms, cpu, rss = ([v[i] for v in values] for i in range(3))
    first = first or statistics.median(ms)
    print(f"{name:24s} {cell(ms):>20s} {statistics.median(ms) / first:6.2f} {cell(cpu):>20s} {cell(rss, 1):>20s} {failed[name]:6d}")
PY

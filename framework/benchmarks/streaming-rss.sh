#!/usr/bin/env bash
# Resident memory of a server under 1,000 concurrent streaming uploads: this working tree against
# other commits (docs/benchmarks.md). Exports each REF with git archive into a temporary directory
# and builds its framework jar there, builds this tree's benchmarks jar, then runs
# dev.spindle.benchmarks.StreamingUploadRss with one variant per REF (or per LABEL=JAR given as is,
# a framework jar built elsewhere) and one for this tree, in turns.
#
#   flock /tmp/spindle-build.lock framework/benchmarks/streaming-rss.sh main
#   flock /tmp/spindle-build.lock framework/benchmarks/streaming-rss.sh main -- --rounds 1 --mode threaded
#
# Arguments after -- go to StreamingUploadRss. Loopback only; each variant takes about 10 s a round.
# Maven runs offline; take the build lock around the whole script (it does not take it itself).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

java_bin=""
for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java; do
    [ -x "$candidate" ] || continue
    version="$("$candidate" -XshowSettings:properties -version 2>&1 \
        | awk -F'= ' '/java.specification.version/ {print $2}' || true)"
    if [ "${version%%.*}" -ge 21 ] 2>/dev/null; then
        java_bin="$candidate"
        break
    fi
done
[ -n "$java_bin" ] || { echo "No JDK 21+ found: set JAVA_HOME" >&2; exit 1; }

refs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    refs+=("$1")
    shift
done
[ "${1:-}" = "--" ] && shift

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
variants=()
for ref in ${refs[@]+"${refs[@]}"}; do
    if [[ "$ref" == *=* ]]; then
        variants+=(--variant "$ref")
        continue
    fi
    dir="$work/$(printf '%s' "$ref" | tr -c 'A-Za-z0-9._-' '_')"
    mkdir -p "$dir"
    git -C "$root" archive "$ref" | tar -x -C "$dir"
    mvn -B -o -q -f "$dir/pom.xml" -pl framework -DskipTests package
    variants+=(--variant "$ref=$(find "$dir/framework/target" -maxdepth 1 -name 'spindle-*.jar' \
        ! -name '*-sources.jar' ! -name '*-tests.jar' | head -1)")
done
mvn -B -o -q -f "$root/pom.xml" -pl framework/benchmarks -am -DskipTests package
variants+=(--variant "this tree=")
"$java_bin" -cp "$root/framework/benchmarks/target/benchmarks.jar" dev.spindle.benchmarks.StreamingUploadRss \
    "${variants[@]}" "$@"

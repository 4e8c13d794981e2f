package dev.spindle.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the shell snippets of the docs against the packaged demo, so that the pages cannot drift from
 * the code, as {@code DocsExamplesTest} does for the Java examples.
 *
 * <p>A snippet is a fenced {@code bash} block preceded by {@code <!-- snippet: NAME -->}, optionally
 * {@code <!-- snippet: NAME demo="--threaded" -->} when the block only holds the commands of the
 * second terminal and the demo must already run with those flags. Each is run by {@code bash} as
 * one script, the way a reader runs it with the demo in another terminal:
 * <ul>
 *   <li>a line that starts the demo ({@code ./run-demo …} or {@code java -jar demo-app/target/demo-app.jar …},
 *       with any prefix such as {@code taskset -c 0} or {@code VAR=value}) starts {@code demo-app.jar}
 *       in the background with the JDK running this test, stops the one started before, and waits
 *       until it answers {@code /health};</li>
 *   <li>port 8080 becomes a free port, so the test never touches a demo someone else runs (the demo's
 *       banner, {@code Spindle demo: mode …}, is printed where a reader sees it in the first terminal);</li>
 *   <li>the script ends with {@code wait}, so requests sent with {@code &} finish, and stops the demo.</li>
 * </ul>
 * Checks assert the exit code (the script runs with {@code set -e -o pipefail}) and the shape of the
 * output — which lines, which words — never a figure: timings and counts belong to the docs' tables.
 * Blocks that send load, run {@code bench}, build, or track memory are marked
 * {@code <!-- snippet-skip: why -->} instead; in the {@link #GUARDED} pages every {@code bash} block
 * carries one of the two markers, so a new command cannot slip in unchecked.
 *
 * <p>Runs after {@code package} (a second surefire execution in {@code integration-test}). Without the
 * jar, or without a tool the commands use ({@code bash}, {@code curl}, {@code lsof}, util-linux's
 * {@code setsid}, {@code taskset} and {@code lscpu}), it is skipped with the reason, unless {@code CI}
 * is set, where it fails ({@code .ci/run} installs them).
 */
class DocsSnippetsIT {

    /** Pages whose every bash block must be marked. */
    static final List<String> GUARDED = List.of("README.md", "docs/threading.md", "docs/metrics.md");

    private static final Pattern MARKER = Pattern.compile("^<!-- snippet: ([a-z0-9-]+)(?: demo=\"([^\"]*)\")? -->$");
    private static final Pattern SKIP = Pattern.compile("^<!-- snippet-skip: .+ -->$");
    private static final Pattern DEMO_COMMAND = Pattern.compile("\\./run-demo|java -jar demo-app/target/demo-app\\.jar");

    /** What each snippet must print; a snippet without a check, or a check without a snippet, fails. */
    private static final Map<String, Consumer<String>> CHECKS = new LinkedHashMap<>();

    static {
        CHECKS.put("readme-slow-fast", out -> assertThat(out).contains("fast").contains("slow (3000 ms)"));
        CHECKS.put("mode-from-environment", out -> assertThat(out).contains("{\"status\":\"UP\",\"mode\":\"pool\"}"));
        CHECKS.put("threads-of-the-demo", out -> assertThat(out)
                .containsPattern("(?m)^XNIO-1 I/O-1$")
                .containsPattern("(?m)^\\s*\"name\": \"spindle-virtual-app\",?$"));
        CHECKS.put("cpu-parallelism", out -> assertThat(out)
                .containsPattern("\"primes\":216816")
                .containsPattern("real\\s+\\d+m[0-9.]+s"));
        CHECKS.put("not-time-sliced", out -> assertThat(out)
                .containsPattern("(?m)^fast [0-9.]+s$")
                .containsPattern("(?m)^cpu [0-9.]+s$")
                .containsPattern("jvm_threads_virtual_live_threads\\{mode=\"virtual\",scheduling_status=\"queued\"\\} \\d")
                .contains("Spindle demo: mode virtual").contains("Spindle demo: mode threaded"));
        CHECKS.put("single-blocks-fast", out -> assertThat(out)
                .containsPattern("(?m)^fast [0-9.]+s$").contains("slow (3000 ms)"));
        CHECKS.put("threaded-does-not", out -> assertThat(out)
                .containsPattern("(?m)^fast [0-9.]+s$").contains("slow (3000 ms)"));
        CHECKS.put("logical-cpus", out -> assertThat(out)
                .containsPattern("(?m)^\\d+$")
                .containsPattern("Spindle demo: mode virtual \\(a new virtual thread per request\\) on \\d+ cores"));
        CHECKS.put("stack-size", out -> assertThat(out).containsPattern("ThreadStackSize\\s+= \\d+"));
        CHECKS.put("one-cpu", out -> assertThat(out)
                .contains("on 1 cores")
                .containsPattern("(?s)real\\s+\\d+m[0-9.]+s.*real\\s+\\d+m[0-9.]+s"));
        CHECKS.put("threads-are-not-cores", out -> assertThat(out)
                .containsPattern("(?m)^logical CPUs: \\d+$")
                .containsPattern("(?m)^threads of the demo: \\d+$"));
        CHECKS.put("metrics-worked-example", out -> assertThat(out)
                .containsPattern("(?m)^fast [0-9.]+s$")
                .contains("spindle_request_blocked_total{blocker=\"/slow\",mode=\"single\",outcome=\"started\",uri=\"/fast\"}")
                .contains("spindle_request_queued_seconds_count{method=\"GET\",mode=\"single\",outcome=\"started\",uri=\"/fast\"} 3"));
        CHECKS.put("metrics-overload", out -> assertThat(out)
                .containsPattern("(?m)^refused fast: 503 [0-9.]+s$")
                .containsPattern("(?m)^queued fast: 200 [0-9.]+s$")
                .contains("spindle_request_blocked_total{blocker=\"/slow\",mode=\"pool\",outcome=\"refused\",uri=\"/fast\"} 1.0"));
        CHECKS.put("virtual-thread-meters", out -> assertThat(out)
                .contains("jvm_threads_live_threads{mode=\"virtual\"}")
                .contains("jvm_threads_virtual_live_threads{mode=\"virtual\",scheduling_status=\"mounted\"}")
                .contains("spindle_requests_active{mode=\"virtual\",uri=\"/slow\"} 3.0")
                .doesNotContain("uri=\"/fast\""));
    }

    record Snippet(String page, String name, String demoFlags, List<String> lines) {
    }

    @TestFactory
    Stream<DynamicTest> every_marked_snippet_runs_and_prints_what_the_page_says() throws IOException {
        Path root = projectRoot();
        Path jar = root.resolve("demo-app/target/demo-app.jar");
        require(Files.isRegularFile(jar), "the demo jar " + jar + " is missing: run `mvn package` first");
        for (String tool : List.of("bash", "curl", "lsof", "setsid", "taskset", "lscpu")) {
            require(onPath(tool), tool + " is not installed; the docs' commands use it");
        }
        List<Snippet> snippets = snippets(root);
        assertThat(snippets).extracting(Snippet::name).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(CHECKS.keySet());
        return snippets.stream().map(snippet -> DynamicTest.dynamicTest(snippet.page() + ": " + snippet.name(),
                () -> CHECKS.get(snippet.name()).accept(run(snippet, jar))));
    }

    @Test
    void every_bash_block_of_the_guarded_pages_is_marked_run_or_skip() throws IOException {
        Path root = projectRoot();
        List<String> unmarked = new ArrayList<>();
        for (String page : GUARDED) {
            List<String> lines = Files.readAllLines(root.resolve(page), StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("```bash")) {
                    String before = previousNonBlank(lines, i);
                    if (!MARKER.matcher(before).matches() && !SKIP.matcher(before).matches()) {
                        unmarked.add(page + ":" + (i + 1));
                    }
                }
            }
        }
        assertThat(unmarked).as("bash blocks without <!-- snippet: … --> or <!-- snippet-skip: … -->").isEmpty();
    }

    @Test
    void a_demo_line_becomes_a_background_start_on_the_free_port() {
        assertThat(scriptLine("./run-demo --threaded      # or --virtual", 4711))
                .isEqualTo("demo_start '\"$DEMO\" --threaded --port 4711'");
        assertThat(scriptLine("taskset -c 0 ./run-demo --threaded", 4711))
                .isEqualTo("demo_start 'taskset -c 0 \"$DEMO\" --threaded --port 4711'");
        assertThat(scriptLine("SPINDLE_MODE=pool:16:100 java -jar demo-app/target/demo-app.jar --port 8080", 4711))
                .isEqualTo("demo_start 'SPINDLE_MODE=pool:16:100 \"$DEMO\" --port 4711'");
        assertThat(scriptLine("curl -s 'localhost:8080/fast' & sleep 0.2", 4711)).isEqualTo("curl -s 'localhost:4711/fast' & sleep 0.2");
        assertThat(scriptLine("./run-demo --help", 4711)).isEqualTo("\"$DEMO\" --help");
    }

    /** One line of a snippet as the test's script runs it. */
    static String scriptLine(String line, int port) {
        String withPort = line.replaceAll("\\b8080\\b", Integer.toString(port));
        Matcher demo = DEMO_COMMAND.matcher(withPort);
        if (!demo.find()) {
            return withPort;
        }
        String replaced = demo.replaceAll(Matcher.quoteReplacement("\"$DEMO\""));
        if (replaced.contains("--help") || replaced.contains(" bench")) {
            return replaced;
        }
        String command = replaced.replaceAll("\\s+#.*$", "").replaceAll("\\s*--port \\d+", "").strip() + " --port " + port;
        return "demo_start '" + command.replace("'", "'\\''") + "'";
    }

    private static String run(Snippet snippet, Path jar) throws Exception {
        Path dir = Files.createTempDirectory("spindle-snippet-");
        int port = freePort();
        Path demo = dir.resolve("run-demo");
        Files.writeString(demo, "#!/usr/bin/env bash\nexec \"$JAVA\" -jar \"$JAR\" \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(demo, PosixFilePermissions.fromString("rwx------"));
        StringBuilder script = new StringBuilder(PREAMBLE);
        if (snippet.demoFlags() != null) {
            script.append(scriptLine("./run-demo " + snippet.demoFlags(), port)).append('\n');
        }
        for (String line : snippet.lines()) {
            script.append(scriptLine(line, port)).append('\n');
        }
        script.append("wait\n");
        Path file = dir.resolve("snippet.sh");
        Files.writeString(file, script, StandardCharsets.UTF_8);
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path log = dir.resolve("output.txt");
        ProcessBuilder builder = new ProcessBuilder("bash", file.toString()).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("JAVA", java.toString());
        builder.environment().put("JAR", jar.toString());
        builder.environment().put("DEMO", demo.toString());
        builder.environment().put("DEMO_DIR", dir.toString());
        builder.environment().put("PATH", java.getParent() + ":" + System.getenv("PATH"));
        Process process = builder.start();
        String out;
        try {
            boolean ended = process.waitFor(3, TimeUnit.MINUTES);
            out = Files.readString(log, StandardCharsets.UTF_8);
            if (!ended) {
                fail("snippet %s did not end within 3 minutes (a hang guard, not a speed check); output:%n%s", snippet.name(), out);
            }
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            stopLeftoverDemo(dir);
        }
        System.out.printf("== %s: %s%n%s%n", snippet.page(), snippet.name(), out);
        assertThat(process.exitValue()).as("exit code of %s; its script:%n%s%noutput:%n%s", snippet.name(), script, out).isZero();
        deleteTree(dir);
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** The script's own demo_stop runs on exit; this is for a script killed before it could. */
    private static void stopLeftoverDemo(Path dir) throws IOException {
        Path pidFile = dir.resolve("demo.pid");
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle.of(pid).ifPresent(handle -> {
                handle.descendants().forEach(ProcessHandle::destroyForcibly);
                handle.destroyForcibly();
            });
        }
    }

    /**
     * Starts the demo the way a reader's second terminal would see it, stops it at the end. The
     * demo runs in a session of its own started from a subshell, so it is no child of this shell
     * and a snippet's bare {@code wait} does not wait for it.
     */
    private static final String PREAMBLE = """
            set -e -o pipefail
            demo_stop() {
              if [ -s "$DEMO_DIR/demo.pid" ]; then
                local pid; pid=$(cat "$DEMO_DIR/demo.pid")
                kill -TERM -- -"$pid" 2>/dev/null || true
                for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
                kill -KILL -- -"$pid" 2>/dev/null || true
                rm -f "$DEMO_DIR/demo.pid"
              fi
            }
            demo_start() {
              demo_stop
              ( setsid bash -c "$1" > "$DEMO_DIR/demo.log" 2>&1 < /dev/null & echo $! > "$DEMO_DIR/demo.pid" )
              for _ in $(seq 300); do
                if curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; then
                  for _ in $(seq 20); do grep -q '^Listening on' "$DEMO_DIR/demo.log" && break; sleep 0.1; done
                  grep '^Spindle demo' "$DEMO_DIR/demo.log" || true
                  return 0
                fi
                kill -0 "$(cat "$DEMO_DIR/demo.pid")" 2>/dev/null || break
                sleep 0.1
              done
              echo "the demo did not start: $1"; cat "$DEMO_DIR/demo.log"; return 1
            }
            trap demo_stop EXIT
            """;

    static List<Snippet> snippets(Path root) throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<Snippet> snippets = new ArrayList<>();
        for (Path page : pages) {
            List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                Matcher marker = MARKER.matcher(lines.get(i));
                if (!marker.matches()) {
                    continue;
                }
                int fence = i + 1;
                while (fence < lines.size() && lines.get(fence).isBlank()) {
                    fence++;
                }
                String where = root.relativize(page) + ":" + (i + 1);
                assertThat(fence < lines.size() && lines.get(fence).startsWith("```bash"))
                        .as("%s: a snippet marker must be followed by a ```bash block", where).isTrue();
                List<String> body = new ArrayList<>();
                int end = fence + 1;
                while (end < lines.size() && !lines.get(end).startsWith("```")) {
                    body.add(lines.get(end++));
                }
                snippets.add(new Snippet(root.relativize(page).toString(), marker.group(1), marker.group(2), body));
            }
        }
        return snippets;
    }

    private static String previousNonBlank(List<String> lines, int index) {
        for (int i = index - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank()) {
                return lines.get(i);
            }
        }
        return "";
    }

    private static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.exists(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs")))) {
            dir = dir.getParent();
        }
        return Optional.ofNullable(dir).orElseThrow(() -> new IllegalStateException("no README.md and docs/ above the working directory"));
    }

    private static void require(boolean present, String why) {
        if (!present) {
            if (System.getenv("CI") != null) {
                fail(why + " (required when CI is set)");
            }
            Assumptions.abort(why);
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

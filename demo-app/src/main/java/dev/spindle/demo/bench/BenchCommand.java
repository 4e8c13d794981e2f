package dev.spindle.demo.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code demo-app.jar bench}: the load-testing comparison of threading modes (or of any servers
 * with {@code /fast} and {@code /slow}). Every option is bounded, and targets are checked from
 * their URLs' text before anything else happens: only loopback unless {@code --allow-remote}.
 */
@Command(name = "bench",
        header = "Load-tests the threading modes side by side (or any servers with /fast and /slow)",
        mixinStandardHelpOptions = true,
        versionProvider = BenchCommand.Version.class,
        sortOptions = false,
        usageHelpWidth = 120,
        customSynopsis = "Usage: java -jar demo-app/target/demo-app.jar bench [options]",
        optionListHeading = "%nOptions:%n",
        description = {"",
            "Loads each threading mode of the demo (each in a JVM of its own on a free 127.0.0.1 port) or each --url,",
            "scenario by scenario, and prints a side-by-side table; writes the same as JSON, Markdown and an HTML",
            "report with latency charts (opens offline) under --out.",
            "",
            "Scenarios (run in this order):",
            "  fast    GET /fast: closed on --connections (as wrk), or open at --rate req/s (as wrk2)",
            "  cpu     GET /cpu?n=--cpu-n at each of --cpu-levels concurrent: parallelism is capped by cores",
            "  mixed   GET /slow?ms=--slow-ms on --slow-connections while GET /fast is sent at --probe-rate req/s",
            "  echo    --fanout concurrent POST /echo, each with a 1 KiB JSON body (skipped for servers without it)",
            "  fanout  --fanout concurrent GET /slow?ms=--slow-ms (ideal: fanout x 1000 / slow-ms req/s)",
            "",
            "Latency counts from each request's intended send time, so a stalled server cannot hide it."},
        footer = {"", "Examples:",
            "  ./run-demo bench                                         every mode, every scenario (about 3.5 minutes)",
            "  ./run-demo bench --scenario mixed --modes single,virtual",
            "  ./run-demo bench --url flask=http://127.0.0.1:5000 --url demo=http://127.0.0.1:8080 --scenario fast,mixed"})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--scenario", split = ",", paramLabel = "NAME", defaultValue = "all",
            description = "fast, cpu, mixed, echo, fanout or all; comma-separated (default ${DEFAULT-VALUE})")
    List<String> scenarios;

    @Option(names = "--modes", split = ",", paramLabel = "MODE",
            description = "demo modes to start: single, threaded, virtual, pool (default: all four, or none when --url is given)")
    List<String> modes;

    @Option(names = "--url", paramLabel = "[LABEL=]URL",
            description = "a server you started, e.g. flask=http://127.0.0.1:5000 (repeatable); it needs GET /fast and GET /slow")
    List<String> urls = new ArrayList<>();

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "5",
            description = "measured time per step (default ${DEFAULT-VALUE}, at most 120); cpu has one step per level")
    double duration;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "3",
            description = "closed /fast load before each target's first step, not measured (default ${DEFAULT-VALUE}, at most 60)")
    double warmup;

    @Option(names = "--client-warmup", paramLabel = "SECONDS", defaultValue = "10",
            description = {"the first target's warm-up lasts at least this long, so that bench's own JIT has compiled "
                + "its client", "before anything is measured (default ${DEFAULT-VALUE}, at most 60; 0: no minimum)"})
    double clientWarmup;

    @Option(names = {"--connections", "--fast-clients"}, paramLabel = "C", defaultValue = "32",
            description = "fast: connections (default ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "0",
            description = "fast: send R req/s on a fixed schedule (open mode) instead of closed (default: closed)")
    double rate;

    @Option(names = "--probe-rate", paramLabel = "R", defaultValue = "100",
            description = "mixed: GET /fast req/s, open mode (default ${DEFAULT-VALUE})")
    double probeRate;

    @Option(names = "--probe-connections", paramLabel = "N", defaultValue = "64",
            description = "mixed: most /fast requests in flight (default ${DEFAULT-VALUE})")
    int probeConnections;

    @Option(names = {"--slow-connections", "--slow-clients"}, paramLabel = "N", defaultValue = "16",
            description = "mixed: connections looping on /slow (default ${DEFAULT-VALUE})")
    int slowConnections;

    @Option(names = "--fanout", paramLabel = "N", defaultValue = "1000",
            description = "fanout and echo: concurrent requests (default ${DEFAULT-VALUE})")
    int fanout;

    @Option(names = "--slow-ms", paramLabel = "MS", defaultValue = "100",
            description = "how long each /slow sleeps: ?ms= (default ${DEFAULT-VALUE}; servers may ignore it)")
    int slowMs;

    @Option(names = "--cpu-levels", split = ",", paramLabel = "N", defaultValue = "1,2,4,8",
            description = "cpu: concurrency levels (default ${DEFAULT-VALUE})")
    List<Integer> cpuLevels;

    @Option(names = "--cpu-n", paramLabel = "N", defaultValue = "1000000",
            description = "cpu: /cpu?n= (primes counted below n; default ${DEFAULT-VALUE})")
    int cpuN;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "a request unanswered this long counts as a timeout (default ${DEFAULT-VALUE})")
    double timeout;

    @Option(names = "--max-requests", paramLabel = "N", defaultValue = "100000000",
            description = "most requests per load and step (default ${DEFAULT-VALUE})")
    long maxRequests;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "1",
            description = "client event loop threads (default ${DEFAULT-VALUE}, as wrk -t1)")
    int threads;

    @Option(names = "--pool", paramLabel = "N", defaultValue = "8",
            description = "demo pool mode: threads (default ${DEFAULT-VALUE})")
    int pool;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "100",
            description = "demo modes: --queue, requests that may wait for a thread before 503 (default ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "demo-app/target/bench",
            description = "where bench-TIME.{json,md,html} are written (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--json", description = "print the JSON instead of the tables")
    boolean json;

    @Option(names = "--no-progress", description = "no progress line (it shows only on a terminal anyway)")
    boolean noProgress;

    @Option(names = "--allow-remote",
            description = "allow a --url that is not a loopback IP literal or localhost (only a machine you may load)")
    boolean allowRemote;

    @Spec
    CommandSpec spec;

    private static final List<String> MODES = List.of("single", "threaded", "virtual", "pool");
    private static final List<String> SCENARIOS = List.of("fast", "cpu", "mixed", "echo", "fanout");

    @Override
    public Integer call() throws InterruptedException, IOException {
        // Targets first, from their text alone: a refused URL stops the run before any socket or lookup.
        List<Bench.TargetSpec> targets = new ArrayList<>();
        for (String url : urls) {
            try {
                targets.add(new Bench.Url(Target.parseOption(url, allowRemote)));
            } catch (Target.RefusedException e) {
                throw new ParameterException(spec.commandLine(), "--url refused: " + e.getMessage());
            }
        }
        List<String> modeNames = modes != null ? modes : urls.isEmpty() ? MODES : List.of();
        List<Bench.TargetSpec> demoModes = new ArrayList<>();
        for (String mode : modeNames) {
            if (!MODES.contains(mode)) {
                throw new ParameterException(spec.commandLine(), "Unknown mode '" + mode + "': use single, threaded, virtual, pool");
            }
            demoModes.add(Bench.demoMode(mode, pool));
        }
        demoModes.addAll(targets);
        BenchResult.Settings settings = settings();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter log = json ? spec.commandLine().getErr() : stdout;
        Bench bench = new Bench(settings, demoModes, threads, log, !noProgress && Progress.terminal());
        BenchResult result = bench.run(commandText(), dev.spindle.demo.DemoCommand.version());
        ReportFiles.Written written = ReportFiles.write(result, out);
        if (json) {
            stdout.println(ReportFiles.JSON.writeValueAsString(result));
        } else {
            stdout.println();
            stdout.print(Report.markdown(result));
        }
        log.println();
        written.all().forEach(file -> log.println("written: " + file));
        stdout.flush();
        log.flush();
        boolean anyMeasured = result.targets().stream().anyMatch(t -> !t.steps().isEmpty());
        return anyMeasured ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
    }

    /** The options, checked against their bounds. */
    BenchResult.Settings settings() {
        List<String> chosen = new ArrayList<>();
        for (String name : scenarios) {
            if (name.equals("all")) {
                chosen.addAll(SCENARIOS);
            } else if (SCENARIOS.contains(name)) {
                chosen.add(name);
            } else {
                throw new ParameterException(spec.commandLine(),
                        "Unknown scenario '" + name + "': use fast, cpu, mixed, echo, fanout or all");
            }
        }
        bound("--duration", duration, 0.1, 120);
        bound("--warmup", warmup, 0, 60);
        bound("--client-warmup", clientWarmup, 0, 60);
        bound("--connections", connections, 1, 10_000);
        bound("--rate", rate, 0, 1_000_000);
        bound("--probe-rate", probeRate, 0.1, 100_000);
        bound("--probe-connections", probeConnections, 1, 10_000);
        bound("--slow-connections", slowConnections, 1, 10_000);
        bound("--fanout", fanout, 1, 10_000);
        bound("--slow-ms", slowMs, 0, 60_000);
        bound("--cpu-n", cpuN, 1, 20_000_000);
        bound("--timeout", timeout, 0.1, 120);
        bound("--max-requests", maxRequests, 1, 1_000_000_000);
        bound("--threads", threads, 1, 16);
        bound("--pool", pool, 1, 1024);
        bound("--queue", queue, 0, 100_000);
        if (cpuLevels.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--cpu-levels needs at least one level");
        }
        for (int level : cpuLevels) {
            bound("--cpu-levels", level, 1, 256);
        }
        return new BenchResult.Settings(chosen.stream().distinct().toList(), duration, warmup, clientWarmup, connections, rate,
                probeRate, probeConnections, slowConnections, fanout, slowMs, List.copyOf(cpuLevels), cpuN, timeout,
                maxRequests, pool, queue);
    }

    private void bound(String option, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ParameterException(spec.commandLine(), option + " takes a number from " + Report.number(min)
                    + " to " + Report.number(max) + ", not " + Report.number(value));
        }
    }

    private String commandText() {
        return String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }

    /** {@code bench --version}: the demo's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Spindle demo bench " + dev.spindle.demo.DemoCommand.version()};
        }
    }
}

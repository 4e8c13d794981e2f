package dev.spindle.demo.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Runs the scenarios against each target in turn: a demo mode started in a JVM of its own, or a
 * {@code --url}. For each step it watches the server ({@link ServerWatch}), scrapes Spindle's
 * {@code /metrics} before and after, and prints one line of results as it goes.
 *
 * <p><b>Threading:</b> {@link #run} blocks the calling thread for the whole run.
 */
public final class Bench {

    /** How long a target may take to answer {@code /fast} at start, or after the previous step. */
    private static final Duration SETTLE = Duration.ofSeconds(30);

    /** A server to measure. */
    public sealed interface TargetSpec permits DemoMode, Url {
    }

    /** The demo started by bench with {@code flag}, reported as {@code label}. */
    public record DemoMode(String label, String flag) implements TargetSpec {
    }

    /** A server the user started. */
    public record Url(Target target) implements TargetSpec {
    }

    private final BenchResult.Settings settings;
    private final List<Scenario> scenarios;
    private final List<TargetSpec> targets;
    private final int clientThreads;
    private final PrintWriter out;
    private final Progress progress;
    private boolean clientWarm;

    public Bench(BenchResult.Settings settings, List<TargetSpec> targets, int clientThreads, PrintWriter out,
                 boolean showProgress) {
        this.settings = settings;
        this.scenarios = settings.scenarios().stream().map(Scenario::of).sorted().toList();
        this.targets = List.copyOf(targets);
        this.clientThreads = clientThreads;
        this.out = out;
        this.progress = new Progress(out, showProgress);
    }

    /** Every target through every scenario; {@code command} is recorded in the result as given. */
    public BenchResult run(String command, String version) throws InterruptedException {
        Instant started = Instant.now();
        long start = System.nanoTime();
        List<BenchResult.TargetResult> results = new ArrayList<>();
        String transport;
        try (LoadGenerator generator = new LoadGenerator(clientThreads)) {
            transport = generator.transport();
            for (TargetSpec spec : targets) {
                results.add(runTarget(spec, generator));
            }
        }
        BenchResult.Machine machine = new BenchResult.Machine(Runtime.getRuntime().availableProcessors(),
                Runtime.version().toString() + " (" + System.getProperty("java.vm.vendor", "") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), transport, clientThreads);
        return new BenchResult(command, version, started.toString(), (System.nanoTime() - start) / 1e9, machine,
                settings, results);
    }

    private BenchResult.TargetResult runTarget(TargetSpec spec, LoadGenerator generator) throws InterruptedException {
        String label = switch (spec) {
            case DemoMode mode -> mode.label();
            case Url url -> url.target().label();
        };
        DemoServer server = null;
        List<String> notes = new ArrayList<>();
        List<BenchResult.StepResult> steps = new ArrayList<>();
        Target target = null;
        boolean spindle = false;
        try {
            Long pid;
            if (spec instanceof DemoMode mode) {
                say(label + ": starting the demo with " + mode.flag() + " --queue " + settings.queue());
                server = DemoServer.start(mode.flag(), settings.queue());
                target = Target.parse(label, "http://127.0.0.1:" + server.port(), false);
                pid = server.pid();
            } else {
                target = ((Url) spec).target();
                OptionalLong found = target.loopback() ? ServerWatch.pidListeningOn(target.port()) : OptionalLong.empty();
                pid = found.isPresent() ? found.getAsLong() : null;
                say(label + ": " + target.baseUrl() + (pid == null ? " (process not found: no RSS, threads or CPU)"
                        : " (pid " + pid + ")"));
            }
            try (Control control = new Control(target)) {
                if (!control.awaitFast(SETTLE)) {
                    notes.add("did not answer GET /fast with 200");
                    say(label + ": did not answer GET /fast with 200; skipped");
                    return new BenchResult.TargetResult(label, kind(spec), target.baseUrl(), false,
                            String.join("; ", notes), steps);
                }
                spindle = control.metrics().isSpindle();
                warmUp(target, generator, label);
                for (Scenario scenario : scenarios) {
                    if (scenario == Scenario.CPU && control.status("/cpu?n=1", Duration.ofSeconds(5)) != 200) {
                        notes.add("cpu skipped: GET /cpu?n=1 did not answer 200 (the demo's /cpu is needed)");
                        say(label + ": cpu skipped, no /cpu route");
                        continue;
                    }
                    if (scenario == Scenario.ECHO && control.postJson("/echo", "{}", Duration.ofSeconds(5)) != 200) {
                        notes.add("echo skipped: POST /echo did not answer 200 (the demo's /echo is needed)");
                        say(label + ": echo skipped, no /echo route");
                        continue;
                    }
                    for (Scenario.Step step : scenario.steps(target, settings)) {
                        if (!control.awaitFast(SETTLE)) {
                            notes.add(scenario.key() + " " + step.name() + ": /fast still not answering after "
                                    + SETTLE.toSeconds() + " s");
                        }
                        BenchResult.StepResult result = runStep(label, scenario, step, control, pid, spindle, generator);
                        steps.add(result);
                        say(Report.stepLine(label, result));
                    }
                }
            }
        } catch (IOException e) {
            progress.clear();
            notes.add("failed: " + e.getMessage());
            say(label + ": failed: " + e.getMessage());
        } finally {
            if (server != null) {
                server.stop();
            }
        }
        return new BenchResult.TargetResult(label, kind(spec), target == null ? "" : target.baseUrl(), spindle,
                String.join("; ", notes), steps);
    }

    /**
     * Closed {@code /fast} load, not measured: the server's JIT compiles its request path, and on the
     * first target bench's own JIT compiles the client (a fresh JVM sends about a third fewer requests
     * in its first seconds), so that one lasts at least {@code --client-warmup}.
     */
    private void warmUp(Target target, LoadGenerator generator, String label) throws IOException, InterruptedException {
        double seconds = clientWarm ? settings.warmupSeconds()
                : Math.max(settings.warmupSeconds(), settings.clientWarmupSeconds());
        clientWarm = true;
        if (seconds <= 0) {
            return;
        }
        Load load = new Load("/fast", target, "/fast", settings.connections(), 0, settings.maxRequests(),
                Duration.ofMillis((long) (settings.timeoutSeconds() * 1000)));
        generator.run(List.of(load), Duration.ofMillis((long) (seconds * 1000)),
                tick -> progress.tick(label, "warm-up", tick));
        progress.clear();
    }

    private BenchResult.StepResult runStep(String label, Scenario scenario, Scenario.Step step, Control control,
                                           Long pid, boolean spindle, LoadGenerator generator)
            throws IOException, InterruptedException {
        Scrape before = spindle ? control.metrics() : Scrape.EMPTY;
        ServerWatch watch = new ServerWatch(pid, control, spindle);
        watch.start();
        String name = step.name().equals("main") ? scenario.key() : scenario.key() + " " + step.name();
        LoadGenerator.Outcome outcome;
        try {
            outcome = generator.run(step.loads(), Duration.ofMillis((long) (settings.durationSeconds() * 1000)),
                    tick -> progress.tick(label, name, tick));
        } finally {
            progress.clear();
        }
        BenchResult.ServerPeaks peaks = watch.stop();
        BenchResult.SpindleStats stats = spindle ? spindleStats(before, control.metrics()) : null;
        return new BenchResult.StepResult(scenario.key(), step.name(), outcome.seconds(), outcome.clientCpuPercent(),
                peaks, stats, outcome.loads());
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }

    /** Spindle's meters over one step: the difference between two scrapes. */
    static BenchResult.SpindleStats spindleStats(Scrape before, Scrape after) {
        Map<String, Double> queueWait = new LinkedHashMap<>();
        Map<String, Long> refused = new LinkedHashMap<>();
        Map<String, Long> expired = new LinkedHashMap<>();
        List<String> uris = after.named("spindle_request_queued_seconds_count", s -> true).stream()
                .map(s -> s.label("uri")).filter(Bench::measuredRoute).distinct().sorted().toList();
        for (String uri : uris) {
            double p99 = after.quantile(before, "spindle_request_queued_seconds",
                    s -> s.label("uri").equals(uri) && s.label("outcome").equals("started"), 0.99);
            if (!Double.isNaN(p99)) {
                queueWait.put(uri, p99 * 1000);
            }
            long refusedCount = Math.round(after.growth(before, "spindle_request_queued_seconds_count",
                    s -> s.label("uri").equals(uri) && s.label("outcome").equals("refused")));
            long expiredCount = Math.round(after.growth(before, "spindle_request_queued_seconds_count",
                    s -> s.label("uri").equals(uri) && s.label("outcome").equals("expired")));
            if (refusedCount > 0) {
                refused.put(uri, refusedCount);
            }
            if (expiredCount > 0) {
                expired.put(uri, expiredCount);
            }
        }
        List<BenchResult.Blocked> blocked = new ArrayList<>();
        after.named("spindle_request_blocked_seconds_total", s -> measuredRoute(s.label("uri"))).stream()
                .map(s -> List.of(s.label("uri"), s.label("blocker"))).distinct().forEach(pair -> {
                    double seconds = after.growth(before, "spindle_request_blocked_seconds_total",
                            s -> s.label("uri").equals(pair.get(0)) && s.label("blocker").equals(pair.get(1)));
                    if (seconds > 0) {
                        blocked.add(new BenchResult.Blocked(pair.get(0), pair.get(1), seconds));
                    }
                });
        return new BenchResult.SpindleStats(queueWait, blocked, refused, expired);
    }

    /** The routes a step loads; bench's own scrapes and the dashboard are left out. */
    private static boolean measuredRoute(String uri) {
        return !uri.isEmpty() && !uri.startsWith("/metrics") && !uri.equals("/");
    }

    private static String kind(TargetSpec spec) {
        return spec instanceof DemoMode ? "demo" : "url";
    }

    /** {@code pool (8)} for the pool, the mode's name for the others. */
    public static DemoMode demoMode(String mode, int pool) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "single", "threaded", "virtual" -> new DemoMode(mode.toLowerCase(Locale.ROOT), "--" + mode.toLowerCase(Locale.ROOT));
            case "pool" -> new DemoMode("pool (" + pool + ")", "--pool=" + pool);
            default -> throw new IllegalArgumentException("Unknown mode '" + mode + "': use single, threaded, virtual, pool");
        };
    }
}

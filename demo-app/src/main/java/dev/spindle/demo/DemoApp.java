package dev.spindle.demo;

import dev.spindle.Spindle;
import dev.spindle.threading.ThreadingMode;
import java.util.Optional;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * The demo from Flask's {@code threaded} example, in every threading mode: {@code /fast} answers at
 * once, {@code /slow} sleeps, and the mode decides whether {@code /fast} waits behind {@code /slow}.
 */
public final class DemoApp {

    private DemoApp() {
    }

    public static void main(String[] args) {
        System.setProperty("org.jboss.logging.provider", "slf4j");
        Optional<DemoOptions> plain = DemoCommand.plain(args);
        if (plain.isPresent()) {
            try {
                serve(plain.get());
            } catch (RuntimeException e) {
                e.printStackTrace(); // as picocli reports a failed command, with its exit code
                System.exit(CommandLine.ExitCode.SOFTWARE);
            }
            return;
        }
        DemoCommand command = new DemoCommand();
        int exit = DemoCommand.commandLine(command).execute(args);
        if (!command.serving()) {
            System.exit(exit); // help, version, bench, or a usage error (2); a started server keeps the JVM alive
        }
    }

    /** Starts the demo as {@code options} say and prints where it listens; returns at once. */
    static Spindle serve(DemoOptions options) {
        // Not with a platform thread per request: the JFR parser behind VirtualThreadMetrics keeps a
        // RecordedThread for every platform thread that ever ran, ~150 bytes per request there
        // (docs/operations.md, "Soak").
        boolean pinningMetrics = !(options.mode() instanceof ThreadingMode.ThreadPerRequest);
        Spindle app = create(options, pinningMetrics);
        app.start(options.port());
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "spindle-demo-shutdown"));
        System.out.println(banner(options, app.port()));
        return app;
    }

    /**
     * The demo app, not yet started, with a registry of its own unless {@code --no-metrics}: its first
     * scrape binds the JVM thread meters, but not {@code VirtualThreadMetrics}, whose JFR stream would
     * outlive an app a test starts and stops.
     */
    static Spindle create(DemoOptions options) {
        return create(options, false);
    }

    /**
     * The demo app, not yet started. Its registry (unless {@code --no-metrics}) is built inside
     * {@code Spindle.create}, which has by then begun warming the server up on another thread.
     */
    private static Spindle create(DemoOptions options, boolean virtualThreadMetrics) {
        Spindle app = Spindle.create(config -> {
            config.threading(options.mode()).host(options.host());
            Dashboard.configure(config);
            if (options.metrics()) {
                config.meterRegistry(new DemoRegistry(options.mode().shortName(), virtualThreadMetrics));
            }
        });
        int slowDefault = options.slowMs();
        Experiments experiments = Experiments.install(app, options.host());
        app.get("/fast", ctx -> "fast");
        app.get("/slow", ctx -> {
            experiments.slowRunning();
            long ms = Math.min(60_000, Math.max(0, ctx.queryParamAsLong("ms", slowDefault)));
            Thread.sleep(ms);
            return "slow (" + ms + " ms)";
        });
        app.get("/cpu", ctx -> {
            int below = (int) Math.min(20_000_000, Math.max(0, ctx.queryParamAsLong("n", 2_000_000)));
            return new PrimeCount(below, Primes.countBelow(below), Thread.currentThread().getName());
        });
        app.get("/health", ctx -> new Health("UP", options.mode().shortName()));
        app.get("/whoami", ctx -> {
            Thread thread = Thread.currentThread();
            return new WhoAmI(thread.getName(), thread.threadId(), thread.isVirtual(), options.mode().shortName());
        });
        app.post("/echo", ctx -> {
            ctx.bodyAs(JsonNode.class); // parsed, so that what is not JSON gets the framework's 400 or 415
            ctx.contentType("application/json").responseBody(ctx.bodyBytes()); // sent back as it came
            return null;
        });
        CounterRoutes.install(app);
        JobRoutes.install(app, options.allowPrivateCallbacks(), options.jobsDb(), options.host());
        if (options.metrics()) {
            app.metricsEndpoint("/metrics");
        }
        Dashboard.install(app, options.mode().shortName());
        return app;
    }

    /** {@code GET /cpu}: how many primes are below {@code n}, and which thread counted them. */
    record PrimeCount(int n, int primes, String thread) {
    }

    /** {@code GET /whoami}: the thread that ran this request, and the app's mode. */
    record WhoAmI(String thread, long id, boolean virtual, String mode) {
    }

    /** {@code GET /health}. */
    record Health(String status, String mode) {
    }

    static String banner(DemoOptions options, int port) {
        ThreadingMode mode = options.mode();
        String detail = switch (mode) {
            case ThreadingMode.SingleThreaded single -> "one handler thread, queue " + single.queue();
            case ThreadingMode.ThreadPerRequest perRequest -> "a new platform thread per request";
            case ThreadingMode.VirtualThreads virtual -> "a new virtual thread per request";
            case ThreadingMode.WorkerPool pool -> pool.threads() + " worker threads, queue " + pool.queue();
            case ThreadingMode.NonBlocking nonBlocking -> "the IO thread";
        };
        return "Spindle demo: mode " + mode.shortName() + " (" + detail + ") on " + Runtime.getRuntime().availableProcessors()
                + " cores\nListening on http://" + options.host() + ":" + port
                + "/  - try: curl localhost:" + port + "/slow?ms=3000 & curl localhost:" + port + "/fast";
    }
}

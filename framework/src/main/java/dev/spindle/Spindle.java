package dev.spindle;

import dev.spindle.http.ErrorHandler;
import dev.spindle.http.Filter;
import dev.spindle.http.Handler;
import dev.spindle.http.Teardown;
import dev.spindle.http.WebSocketHandler;
import dev.spindle.internal.metrics.RequestMetrics;
import dev.spindle.internal.metrics.RoutesSnapshot;
import dev.spindle.internal.metrics.SpanRing;
import dev.spindle.internal.metrics.SpindleMetrics;
import dev.spindle.internal.routing.Group;
import dev.spindle.internal.routing.Router;
import dev.spindle.internal.server.ServerWarmUp;
import dev.spindle.internal.server.UndertowServer;
import dev.spindle.internal.threading.DispatcherView;
import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.json.JsonMapper;
import dev.spindle.metrics.PrometheusEndpoint;
import dev.spindle.metrics.RequestSpans;
import dev.spindle.routing.RouteGroup;
import dev.spindle.routing.RouteOptions;
import dev.spindle.routing.Routes;
import dev.spindle.threading.DispatcherStats;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Spindle app: routes, hooks and error handlers, a threading mode, and a server.
 * <pre>{@code
 * var app = Spindle.create(config -> config.threading(ThreadingMode.threadPerRequest()));
 * app.get("/hello/{name}", ctx -> "Hello " + ctx.pathParam("name"));
 * app.start(8080);
 * }</pre>
 *
 * <p>Besides the problem bodies every error gets, an app answers a {@code LockTimeoutException} (a
 * lock of {@code dev.spindle.locks} not acquired in time) with {@code 503} and {@code Retry-After},
 * as it does when its executor is saturated; {@code error(LockTimeoutException.class, ...)} on the app
 * or a group replaces that answer.
 *
 * <p>Declare everything, then {@link #start()}: routes compile then, and declaring more afterwards
 * throws. Several apps can run in one JVM; an app holds no static state. Stopping is graceful
 * ({@link #stop()}), and {@code try (var app = …)} stops it too.
 *
 * <p><b>Threading:</b> configure and start from one thread; {@link #port()}, {@link #url} and
 * {@link #stop()} may be called from any thread once started.
 */
public final class Spindle implements Routes<Spindle>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Spindle.class);
    /** How many recent request spans {@link #spans()} keeps. */
    private static final int SPAN_CAPACITY = 4096;

    private final SpindleConfig config;
    private final Group routes;
    private volatile boolean started;
    private volatile Router router;
    private final AtomicReference<UndertowServer> server = new AtomicReference<>();
    private volatile RequestMetrics metrics = RequestMetrics.NONE;
    private final List<Runnable> drainActions = new ArrayList<>();
    private final List<Runnable> stopActions = new ArrayList<>();
    private final SpanRing spans = new SpanRing(SPAN_CAPACITY);
    /** The server this app started, kept once a stop has begun so that late callers can wait for its end. */
    private volatile UndertowServer startedServer;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private Spindle(SpindleConfig config) {
        this.config = config;
        this.routes = Group.root(() -> started);
        DefaultErrorHandlers.install(routes);
    }

    /** An app with the default configuration. */
    public static Spindle create() {
        return create(config -> { });
    }

    /**
     * An app configured by {@code setup}. The first app of a JVM also begins warming up what every
     * server's start needs, on a daemon thread, so that {@code setup} and the route declarations
     * that follow run beside it.
     */
    public static Spindle create(Consumer<SpindleConfig> setup) {
        ServerWarmUp.begin();
        SpindleConfig config = new SpindleConfig();
        setup.accept(config);
        return new Spindle(config);
    }

    /** Starts on the configured port (default 8080). */
    public Spindle start() {
        return start(config.port());
    }

    /**
     * Compiles the routes, creates the executors and starts serving on {@code port} (0 for any free
     * port; see {@link #port()}).
     *
     * @throws IllegalStateException if already started, or if routes are ambiguous
     */
    public Spindle start(int port) {
        if (started) {
            UndertowServer running = server.get();
            throw new IllegalStateException(running != null
                    ? "This app is already started on port " + running.port()
                    : "This app was stopped; an app starts once, so create a new one with Spindle.create()");
        }
        started = true;
        try {
            router = Router.compile(routes, config.threading(), config.requestTimeout(), Dispatchers::create);
            metrics = config.meterRegistry() == null ? RequestMetrics.NONE
                    : SpindleMetrics.create(config.meterRegistry(), config.observationRegistry(), config.threading(),
                            config.blockedThreshold(), config.overdueThreshold(), router, spans);
            UndertowServer running = UndertowServer.start(config.serverOptions(port), router, config.json(), metrics);
            startedServer = running;
            server.set(running);
        } catch (RuntimeException e) {
            if (router != null) {
                router.dispatchers().forEach(dispatcher -> dispatcher.shutdownNow());
            }
            metrics.close();
            metrics = RequestMetrics.NONE;
            started = false;
            throw e;
        }
        return this;
    }

    /** The bound port. */
    public int port() {
        UndertowServer running = server.get();
        if (running == null) {
            throw new IllegalStateException("The app is not started");
        }
        return running.port();
    }

    /**
     * The running app's executors, read-only: the app's own first, then one per route or group with
     * its own threading mode. For dashboards and tests that watch saturation ({@code active},
     * {@code queued}).
     */
    public List<DispatcherStats> dispatchers() {
        Router compiled = router;
        if (compiled == null) {
            throw new IllegalStateException("The app is not started: dispatchers are created at start()");
        }
        return compiled.dispatchers().stream().<DispatcherStats>map(DispatcherView::new).toList();
    }

    /**
     * The meter registry the app records into, if one is configured: for code that installs routes
     * on an app it did not configure and wants its own meters (locks, jobs) next to the app's.
     */
    public Optional<MeterRegistry> meterRegistry() {
        return Optional.ofNullable(config.meterRegistry());
    }

    /**
     * The app's recent requests as spans on its threads, for live timelines: recorded into a ring of
     * the last 4,096 only while a subscription is open, and only when the app has a meter registry
     * ({@link SpindleConfig#meterRegistry}). Available before {@link #start()}, so that routes
     * declared then can subscribe when a client asks. See {@code docs/metrics.md}.
     */
    public RequestSpans spans() {
        return spans;
    }

    /** The app's threading mode (the default of routes that declare none). */
    public ThreadingMode threadingMode() {
        return config.threading();
    }

    /**
     * Stops gracefully, in an order that loses no started request and waits for nothing that would
     * not end by itself:
     * <ol>
     *   <li>new requests are answered 503 with {@code Retry-After} and {@code Connection: close}, and
     *       requests still queued for a thread 503 with {@code Retry-After} at once (they never
     *       started); the grace period ({@link SpindleConfig#shutdownGrace}) starts;</li>
     *   <li>the extensions' drain actions run ({@link Extension.Setup#onDrain}): the jobs answer every
     *       waiting long poll with the job as it stands and end every job stream with a last event;</li>
     *   <li>every event stream still open ends, after the events already queued, and every WebSocket is
     *       closed with {@code 1001} (going away);</li>
     *   <li>the requests that started — static-file responses and WebSocket sessions included — finish,
     *       within the grace period; handlers still running after it are interrupted;</li>
     *   <li>the extensions' stop actions run ({@link Extension.Setup#onStop}): the jobs executor stops,
     *       with its own policy for jobs still running;</li>
     *   <li>the server closes its listener and connections, and stops its IO threads.</li>
     * </ol>
     * So {@code stop()} returns as soon as the last started request has ended and the extensions have
     * stopped, not at the end of the grace period. It does nothing if the app never started; called
     * from several threads (a shutdown hook and the main thread, say), one stops the app and the
     * others wait until it has stopped.
     *
     * <p><b>Called from the app's own threads</b> — a handler or hook, a {@code nonBlocking} route or a
     * WebSocket callback on an IO thread — {@code stop()} cannot wait for the requests to end, since
     * one of them is its caller's: it starts the stop on a new thread ({@code spindle-stop}) and returns
     * at once. The calling request then finishes and gets its response like every started request, and
     * an admin route such as {@code app.post("/shutdown", ctx -> { app.stop(); return "stopping"; })}
     * works as written. Throwing instead would make every such route start a thread of its own, and
     * waiting would wait for itself until the grace period ran out and then interrupt itself.
     */
    public void stop() {
        UndertowServer running = server.getAndSet(null);
        if (running == null) {
            UndertowServer stopping = startedServer;
            if (stopping != null && !stopping.ownsCurrentThread()) {
                stopped.join();
            }
            return;
        }
        if (running.ownsCurrentThread()) {
            Dispatchers.oneOff("stop", () -> stop(running)).start();
        } else {
            stop(running);
        }
    }

    private void stop(UndertowServer running) {
        try {
            running.refuseNewRequests();
            runActions(drainActions, "drain");
            running.endStreams();
            running.awaitRequests();
            runActions(stopActions, "stop");
        } finally {
            try {
                running.close();
                metrics.close();
            } finally {
                stopped.complete(null);
            }
        }
    }

    /** Runs {@code actions} in reverse order of registration; one that throws is logged and the rest still run. */
    private static void runActions(List<Runnable> actions, String kind) {
        for (int i = actions.size() - 1; i >= 0; i--) {
            try {
                actions.get(i).run();
            } catch (RuntimeException e) {
                log.error("A {} action of an extension failed; stopping the rest anyway", kind, e);
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Installs {@code extension}: it declares its routes, meters and background work on this app
     * now, and its drain and stop actions run when the app stops (see {@link Extension} and {@link #stop()}).
     *
     * @throws IllegalStateException if the app has started
     */
    public Spindle install(Extension extension) {
        if (started) {
            throw new IllegalStateException("The app has started: extensions must be installed before start()");
        }
        extension.install(new Extension.Setup() {
            @Override
            public Spindle app() {
                return Spindle.this;
            }

            @Override
            public JsonMapper json() {
                return config.json();
            }

            @Override
            public Optional<MeterRegistry> meterRegistry() {
                return Spindle.this.meterRegistry();
            }

            @Override
            public ThreadingMode threading() {
                return config.threading();
            }

            @Override
            public ThreadFactory threads(ThreadingMode mode, String name) {
                return Dispatchers.threads(mode, name);
            }

            @Override
            public void onDrain(Runnable action) {
                drainActions.add(Objects.requireNonNull(action));
            }

            @Override
            public void onStop(Runnable action) {
                stopActions.add(Objects.requireNonNull(action));
            }
        });
        return this;
    }

    /**
     * Serves the app's meters in Prometheus' text format at {@code path} and, at
     * {@code path + "/routes"}, a JSON summary per route (count, p50/p99 latency and queue wait,
     * active, blocked-by) for humans and dashboards. Both run on the IO thread, so they answer even
     * when every handler thread is busy.
     *
     * @throws IllegalArgumentException unless the configured registry is (or contains) a {@code PrometheusMeterRegistry}
     */
    public Spindle metricsEndpoint(String path) {
        if (config.meterRegistry() == null) {
            throw new IllegalStateException("metricsEndpoint() needs config.meterRegistry(...)");
        }
        get(path, PrometheusEndpoint.of(config.meterRegistry()), route -> route.nonBlocking());
        get(path + "/routes", ctx -> RoutesSnapshot.take((SpindleMetrics) metrics, router.dispatchers()),
                route -> route.nonBlocking());
        return this;
    }

    /**
     * Reverse routing, Flask's {@code url_for}: the path of the route named {@code name}, with
     * {@code params} filling its parameters; parameters the template does not use become the query string.
     * <pre>{@code
     * app.url("user", Map.of("id", 7))                 // "/users/7"
     * app.url("user", Map.of("id", 7, "tab", "posts")) // "/users/7?tab=posts"
     * }</pre>
     *
     * @throws IllegalArgumentException for an unknown name, a missing parameter, a value its converter
     *         would not match, or a value whose URL would not match back to it ({@code \} in any
     *         parameter, {@code /} in any but a {@code path} parameter)
     */
    public String url(String name, Map<String, ?> params) {
        Router compiled = router;
        if (compiled == null) {
            throw new IllegalStateException("Reverse routing needs a started app: routes compile at start()");
        }
        return compiled.url(name, params);
    }

    @Override
    public Spindle route(String method, String template, Handler handler, Consumer<RouteOptions> options) {
        routes.route(method, template, handler, options);
        return this;
    }

    @Override
    public Spindle ws(String template, WebSocketHandler handler) {
        routes.ws(template, handler);
        return this;
    }

    @Override
    public Spindle group(String prefix, Consumer<RouteGroup> setup) {
        routes.group(prefix, setup);
        return this;
    }

    @Override
    public Spindle before(Handler hook) {
        routes.before(hook);
        return this;
    }

    @Override
    public Spindle after(Filter hook) {
        routes.after(hook);
        return this;
    }

    @Override
    public Spindle teardown(Teardown hook) {
        routes.teardown(hook);
        return this;
    }

    @Override
    public <E extends Throwable> Spindle error(Class<E> type, ErrorHandler<? super E> handler) {
        routes.error(type, handler);
        return this;
    }

    @Override
    public Spindle error(int status, ErrorHandler<? super Throwable> handler) {
        routes.error(status, handler);
        return this;
    }

    /** Sets the app's threading mode, as {@link SpindleConfig#threading} does. */
    @Override
    public Spindle threading(ThreadingMode mode) {
        Objects.requireNonNull(mode);
        if (started) {
            throw new IllegalStateException("The app has started: its threading mode must be set before start()");
        }
        config.threading(mode);
        return this;
    }

    /** Sets the app's request timeout, as {@link SpindleConfig#requestTimeout} does. */
    @Override
    public Spindle timeout(Duration timeout) {
        if (started) {
            throw new IllegalStateException("The app has started: its timeout must be set before start()");
        }
        config.requestTimeout(timeout);
        return this;
    }
}

package dev.spindle.demo;

import dev.spindle.Extension;
import dev.spindle.Spindle;
import dev.spindle.json.JsonMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The dashboard's one-click experiments, run by the server against itself over loopback, because a
 * browser would not run them faithfully: it opens only about six connections per host and may send
 * the requests of one click in any order.
 * <pre>
 * POST /experiments/slow-then-fast   GET /slow?ms=2000; once its handler runs, 3 × GET /fast at once
 * POST /experiments/counter          reset the counters, then 100 × POST /counter/unsafe and 100 ×
 *                                    POST /counter/safe, all at once; answers what each counter reached
 * </pre>
 * Every experiment route runs on the IO thread and waits for nothing there: it returns a stage that
 * completes when the experiment's requests have been answered, so it works in {@code --single} while
 * the one handler thread is busy with the requests it sent.
 *
 * <p><b>Threading:</b> the JDK HTTP client's threads send and complete the requests; the /slow
 * handler, on whatever thread the mode gives it, completes {@link #slowStarted}.
 */
final class Experiments implements Extension {

    /** How long the experiment's {@code /slow} sleeps. */
    static final long SLOW_MS = 2_000;

    private final Spindle app;
    private final String host;
    private JsonMapper json;
    private final AtomicReference<CompletableFuture<Void>> slowStarted = new AtomicReference<>();
    private volatile HttpClient client;

    private Experiments(Spindle app, String boundHost) {
        this.app = app;
        this.host = boundHost.contains(":") && !boundHost.equals("::") ? "[::1]" : "127.0.0.1";
    }

    /** Declares the experiment routes on {@code app}; its {@code /slow} handler must call {@link #slowRunning}. */
    static Experiments install(Spindle app, String boundHost) {
        Experiments experiments = new Experiments(app, boundHost);
        app.install(experiments);
        return experiments;
    }

    @Override
    public void install(Extension.Setup setup) {
        json = setup.json();
        setup.onStop(this::stop);
        app.post("/experiments/slow-then-fast", ctx -> slowThenFast(), route -> route.nonBlocking());
        app.post("/experiments/counter", ctx -> counter(), route -> route.nonBlocking());
    }

    /** Called by {@code GET /slow} when its handler starts: lets a waiting experiment send its next requests. */
    void slowRunning() {
        CompletableFuture<Void> waiting = slowStarted.getAndSet(null);
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    private CompletionStage<SlowThenFast> slowThenFast() {
        CompletableFuture<Void> started = new CompletableFuture<>();
        slowStarted.set(started);
        CompletableFuture<Integer> slow = get("/slow?ms=" + SLOW_MS);
        slow.whenComplete((status, error) -> started.complete(null)); // a /slow that failed releases the rest too
        return started.thenCompose(running -> {
            List<CompletableFuture<Integer>> fast = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                fast.add(get("/fast"));
            }
            return CompletableFuture.allOf(fast.toArray(CompletableFuture[]::new)).thenCombine(slow,
                    (done, slowStatus) -> new SlowThenFast(slowStatus, fast.stream().map(CompletableFuture::join).toList()));
        });
    }

    /**
     * The unsafe burst first, then the safe one: one burst of {@value #INCREMENTS} at a time fits the
     * default queue, so {@code --single} runs every increment (in turn) instead of refusing some.
     */
    private CompletionStage<Counters> counter() {
        return send("POST", "/counter/reset", HttpResponse.BodyHandlers.discarding())
                .thenCompose(reset -> burst("/counter/unsafe"))
                .thenCompose(done -> burst("/counter/safe"))
                .thenCompose(done -> send("GET", "/counter", HttpResponse.BodyHandlers.ofByteArray()))
                .thenApply(state -> Counters.of(json.read(state.body(), CounterRoutes.CounterState.class)));
    }

    /** {@value #INCREMENTS} {@code POST path} at once; completes when all are answered. */
    private CompletableFuture<Void> burst(String path) {
        List<CompletableFuture<?>> increments = new ArrayList<>();
        for (int i = 0; i < INCREMENTS; i++) {
            increments.add(send("POST", path, HttpResponse.BodyHandlers.discarding()));
        }
        return CompletableFuture.allOf(increments.toArray(CompletableFuture[]::new));
    }

    /** How many increments of each counter the counter experiment sends. */
    static final int INCREMENTS = 100;

    /** GET {@code path} on this app over loopback; completes with the status. */
    private CompletableFuture<Integer> get(String path) {
        return send("GET", path, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
    }

    private <T> CompletableFuture<HttpResponse<T>> send(String method, String path, HttpResponse.BodyHandler<T> body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + app.port() + path))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client().sendAsync(request, body);
    }

    private HttpClient client() {
        HttpClient made = client;
        if (made == null) {
            synchronized (this) {
                made = client;
                if (made == null) {
                    made = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(5)).build();
                    client = made;
                }
            }
        }
        return made;
    }

    private void stop() {
        HttpClient made = client;
        if (made != null) {
            made.shutdownNow();
        }
    }

    /**
     * {@code POST /experiments/counter}: each counter's value after {@value #INCREMENTS} concurrent
     * increments, and how many of those that ran were lost (a refused increment never ran: with a
     * {@code --queue} under {@value #INCREMENTS}, {@code unsafeRan} and {@code safeRan} say how many did).
     */
    record Counters(int increments, long unsafe, long unsafeRan, long unsafeLost, long safe, long safeRan,
                    long safeLost) {
        static Counters of(CounterRoutes.CounterState state) {
            long unsafeRan = state.requests().unsafe();
            long safeRan = state.requests().safe();
            return new Counters(INCREMENTS, state.unsafe(), unsafeRan, unsafeRan - state.unsafe(), state.safe(),
                    safeRan, safeRan - state.safe());
        }
    }

    /** {@code POST /experiments/slow-then-fast}: the statuses of /slow and of the three /fast. */
    record SlowThenFast(int slow, List<Integer> fast) {
    }
}

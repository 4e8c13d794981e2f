package dev.spindle.internal.metrics;

import dev.spindle.internal.routing.Route;
import dev.spindle.internal.routing.Router;
import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.metrics.MeterNames;
import dev.spindle.metrics.RequestSpan;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.RequestReplyReceiverContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Spindle's meters for one app (see {@link MeterNames}) and runs its overdue-handler
 * detector. Per-request meters come from {@link Meter.MeterProvider}s built once, so a request
 * costs map look-ups, not builders.
 *
 * <p>With an {@link ObservationRegistry}, each request is also an {@code http.server.requests}
 * observation with the same low-cardinality keys; the timer is then left to the observation
 * handlers (e.g. {@code DefaultMeterObservationHandler}) so it is not recorded twice.
 */
public final class SpindleMetrics implements RequestMetrics {

    private static final Logger log = LoggerFactory.getLogger(SpindleMetrics.class);

    private final MeterRegistry registry;
    private final Clock clock;
    private final ObservationRegistry observations;
    private final String mode;
    private final long blockedNanos;
    private final long overdueNanos;
    private final Meter.MeterProvider<Timer> requests;
    private final Meter.MeterProvider<Timer> queued;
    private final Meter.MeterProvider<Counter> blocked;
    private final Meter.MeterProvider<Counter> blockedSeconds;
    private final Meter.MeterProvider<Counter> timeouts;
    private final Meter.MeterProvider<Counter> overdue;
    private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();
    private final Map<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();
    private final Map<QueuedKey, Timer> queuedTimers = new ConcurrentHashMap<>();
    private final Map<BlockedKey, Counter> blockedCounters = new ConcurrentHashMap<>();
    private final Map<BlockedKey, Counter> blockedSecondsCounters = new ConcurrentHashMap<>();
    /** Only dispatchers that can queue keep a ledger: unbounded ones never make a request wait. */
    private final Map<Dispatcher, ThreadTimeLedger> ledgers = new IdentityHashMap<>();
    /** The single thread and the IO threads, watched by the overdue detector. */
    private final Map<Dispatcher, Occupancy> watched = new IdentityHashMap<>();
    /** Gauges read this app's objects, so they go when it stops; timers and counters stay, as after any restart. */
    private final Set<Meter> registered = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService detector;
    private final SpanRing spans;
    /** Span time minus metrics-clock time: spans count from the ring's origin, the meters' clock may be another. */
    private final long spanOffsetNanos;

    private SpindleMetrics(MeterRegistry registry, ObservationRegistry observations, ThreadingMode appMode,
                           Duration blockedThreshold, Duration overdueThreshold, Router router, SpanRing spans) {
        this.registry = registry;
        this.spans = spans;
        this.clock = registry.config().clock();
        this.spanOffsetNanos = spans.nowNanos() - clock.monotonicTime();
        this.observations = observations == null || observations.isNoop() ? null : observations;
        this.mode = appMode.shortName();
        this.blockedNanos = blockedThreshold.toNanos();
        this.overdueNanos = overdueThreshold.toNanos();
        Tags common = Tags.of("mode", mode);
        this.requests = Timer.builder(MeterNames.HTTP_SERVER_REQUESTS)
                .description("HTTP requests, from arrival to response sent")
                .tags(common).publishPercentileHistogram().withRegistry(registry);
        this.queued = Timer.builder(MeterNames.REQUEST_QUEUED)
                .description("Time a request waited for a handler thread, from body received to handler start, "
                        + "refusal or expiry (outcome)")
                .tags(common).publishPercentileHistogram().withRegistry(registry);
        this.blocked = Counter.builder(MeterNames.REQUEST_BLOCKED)
                .description("Requests that waited for a thread (or were refused one) mostly because route 'blocker' "
                        + "held the thread(s) they needed")
                .tags(common).withRegistry(registry);
        this.blockedSeconds = Counter.builder(MeterNames.REQUEST_BLOCKED_SECONDS)
                .description("Queue wait of route 'uri', split among the routes ('blocker') that held the threads "
                        + "it needed, in proportion to the thread-time each held during the wait")
                .baseUnit("seconds")
                .tags(common).withRegistry(registry);
        this.timeouts = Counter.builder(MeterNames.REQUEST_TIMEOUTS)
                .description("Requests answered 503 because they passed their deadline")
                .tags(common).withRegistry(registry);
        this.overdue = Counter.builder(MeterNames.HANDLER_OVERDUE)
                .description("Handlers that held the single handler thread or an IO thread past the overdue threshold")
                .tags(common).withRegistry(registry);
        for (Dispatcher dispatcher : router.dispatchers()) {
            if (dispatcher.mode() instanceof ThreadingMode.SingleThreaded
                    || dispatcher.mode() instanceof ThreadingMode.NonBlocking) {
                watched.put(dispatcher, new Occupancy(dispatcher.name()));
            }
            if (dispatcher.capacity() >= 0) {
                ledgers.put(dispatcher, new ThreadTimeLedger());
            }
            bindDispatcher(dispatcher);
        }
        for (Route route : router.routes()) {
            activeCounter(route.uri());
        }
        this.detector = !watched.isEmpty() && overdueNanos > 0 ? startDetector() : null;
    }

    /**
     * Meters for the app whose compiled routes are {@code router}.
     *
     * @param registry where meters go
     * @param observations an observation registry for tracing bridges, or {@code null}
     * @param blockedThreshold the queue wait from which a request counts in {@code spindle.request.blocked}
     * @param overdueThreshold how long a handler may hold the single thread or an IO thread before a warning; zero disables
     */
    public static SpindleMetrics create(MeterRegistry registry, ObservationRegistry observations, ThreadingMode appMode,
                                        Duration blockedThreshold, Duration overdueThreshold, Router router) {
        return create(registry, observations, appMode, blockedThreshold, overdueThreshold, router, new SpanRing(1));
    }

    /**
     * As {@link #create(MeterRegistry, ObservationRegistry, ThreadingMode, Duration, Duration, Router)},
     * recording each request into {@code spans} while it has subscribers.
     */
    public static SpindleMetrics create(MeterRegistry registry, ObservationRegistry observations, ThreadingMode appMode,
                                        Duration blockedThreshold, Duration overdueThreshold, Router router,
                                        SpanRing spans) {
        return new SpindleMetrics(registry, observations, appMode, blockedThreshold, overdueThreshold, router, spans);
    }

    /** The registry the meters are in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The app's threading mode, as tagged. */
    public String mode() {
        return mode;
    }

    @Override
    public RequestSample arrived(String method, long startNanos, Function<String, String> headers) {
        Observation observation = null;
        if (observations != null) {
            RequestReplyReceiverContext<Function<String, String>, Integer> context =
                    new RequestReplyReceiverContext<>(Function::apply);
            context.setCarrier(headers);
            observation = Observation.createNotStarted(MeterNames.HTTP_SERVER_REQUESTS, () -> context, observations)
                    .lowCardinalityKeyValue("method", Methods.tag(method))
                    .start();
        }
        return spans.recording() ? new TracedSample(Methods.tag(method), startNanos, observation)
                : new RequestSample(Methods.tag(method), startNanos, observation);
    }

    @Override
    public void ready(RequestSample sample) {
        sample.readyNanos = clock.monotonicTime();
    }

    @Override
    public void queued(RequestSample sample, Route route) {
        ThreadTimeLedger ledger = ledgers.get(route.dispatcher());
        if (ledger != null) {
            sample.heldAtQueue = ledger.snapshot(clock.monotonicTime());
        }
    }

    @Override
    public void handlerStarted(RequestSample sample, Route route) {
        long now = clock.monotonicTime();
        String uri = route.uri();
        waitEnded(sample, route, WaitOutcome.STARTED, now);
        if (sample instanceof TracedSample traced) {
            traced.handlerThread = Thread.currentThread();
            traced.handlerStartNanos = now;
            traced.waitOutcome = RequestSpan.Outcome.RAN;
        }
        activeCounter(uri).incrementAndGet();
        ThreadTimeLedger ledger = ledgers.get(route.dispatcher());
        if (ledger != null) {
            ledger.enter(uri, now);
        }
        Occupancy occupancy = watched.get(route.dispatcher());
        if (occupancy != null) {
            occupancy.enter(uri, System.nanoTime());
        }
    }

    @Override
    public void handlerReleased(RequestSample sample, Route route) {
        if (sample instanceof TracedSample traced) {
            traced.handlerEndNanos = clock.monotonicTime();
        }
        activeCounter(route.uri()).decrementAndGet();
        ThreadTimeLedger ledger = ledgers.get(route.dispatcher());
        if (ledger != null) {
            ledger.leave(route.uri(), clock.monotonicTime());
        }
        Occupancy occupancy = watched.get(route.dispatcher());
        if (occupancy != null) {
            occupancy.leave();
        }
    }

    @Override
    public void refused(RequestSample sample, Route route) {
        long now = clock.monotonicTime();
        turnedAway(sample, RequestSpan.Outcome.REFUSED, now);
        waitEnded(sample, route, WaitOutcome.REFUSED, now);
    }

    @Override
    public void expired(RequestSample sample, Route route) {
        long now = clock.monotonicTime();
        turnedAway(sample, RequestSpan.Outcome.EXPIRED, now);
        waitEnded(sample, route, WaitOutcome.EXPIRED, now);
    }

    private static void turnedAway(RequestSample sample, RequestSpan.Outcome outcome, long now) {
        if (sample instanceof TracedSample traced) {
            traced.waitOutcome = outcome;
            traced.handlerStartNanos = now;
            traced.handlerEndNanos = now;
        }
    }

    @Override
    public void timedOut(Route route) {
        timeouts.withTags("uri", route.uri()).increment();
    }

    /** How a request's wait for a thread ended: the {@code outcome} tag of the queue-wait meters. */
    private enum WaitOutcome {
        STARTED, REFUSED, EXPIRED;

        final String tag = name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Records a wait that ended at {@code now}: its time, and, if the request had to queue (or was
     * refused), which routes held the threads meanwhile. A refusal counts as blocked whatever its wait.
     */
    private void waitEnded(RequestSample sample, Route route, WaitOutcome outcome, long now) {
        String uri = route.uri();
        long waited = Math.max(0, now - sample.readyNanos);
        queuedTimer(sample.method, uri, outcome).record(waited, TimeUnit.NANOSECONDS);
        TracedSample traced = sample instanceof TracedSample t ? t : null;
        if (traced != null) {
            traced.dispatcher = route.dispatcher().name();
        }
        ThreadTimeLedger ledger = ledgers.get(route.dispatcher());
        if (ledger == null) {
            return;
        }
        boolean counts = outcome == WaitOutcome.REFUSED || waited >= blockedNanos;
        if (sample.heldAtQueue == null) {
            String blocker = outcome == WaitOutcome.REFUSED ? ledger.holdingMost() : null;
            if (blocker != null) {
                blockedCounter(uri, blocker, outcome).increment();
                if (traced != null) {
                    traced.waitedBehind = List.of(new RequestSpan.Wait(blocker, waited));
                }
            }
            return;
        }
        ThreadTimeLedger.Attribution attribution = ledger.attribute(sample.heldAtQueue, now, waited);
        if (attribution.blocker() == null) {
            return;
        }
        if (traced != null) {
            traced.waitedBehind = waits(attribution);
        }
        if (counts) {
            blockedCounter(uri, attribution.blocker(), outcome).increment();
        }
        for (ThreadTimeLedger.Share share : attribution.shares()) {
            blockedSecondsCounter(uri, share.uri()).increment(share.waitNanos() / 1e9);
        }
    }

    /** A wait's shares as a span shows them, largest first. */
    private static List<RequestSpan.Wait> waits(ThreadTimeLedger.Attribution attribution) {
        List<RequestSpan.Wait> waits = new ArrayList<>(attribution.shares().size());
        for (ThreadTimeLedger.Share share : attribution.shares()) {
            waits.add(new RequestSpan.Wait(share.uri(), Math.round(share.waitNanos())));
        }
        waits.sort(Comparator.comparingLong(RequestSpan.Wait::nanos).reversed());
        return List.copyOf(waits);
    }

    private Timer queuedTimer(String method, String uri, WaitOutcome outcome) {
        QueuedKey key = new QueuedKey(method, uri, outcome);
        Timer timer = queuedTimers.get(key);
        if (timer == null) {
            timer = queuedTimers.computeIfAbsent(key,
                    k -> queued.withTags("method", method, "uri", uri, "outcome", outcome.tag));
        }
        return timer;
    }

    private Counter blockedCounter(String uri, String blocker, WaitOutcome outcome) {
        BlockedKey key = new BlockedKey(uri, blocker, outcome);
        Counter counter = blockedCounters.get(key);
        if (counter == null) {
            counter = blockedCounters.computeIfAbsent(key,
                    k -> blocked.withTags("uri", uri, "blocker", blocker, "outcome", outcome.tag));
        }
        return counter;
    }

    private Counter blockedSecondsCounter(String uri, String blocker) {
        BlockedKey key = new BlockedKey(uri, blocker, null);
        Counter counter = blockedSecondsCounters.get(key);
        if (counter == null) {
            counter = blockedSecondsCounters.computeIfAbsent(key,
                    k -> blockedSeconds.withTags("uri", uri, "blocker", blocker));
        }
        return counter;
    }

    @Override
    public void completed(RequestSample sample, int status) {
        if (sample instanceof TracedSample traced && traced.waitOutcome != null) {
            recordSpan(traced, status);
        }
        Throwable failure = sample.failure();
        Class<?> exceptionType = failure == null ? null : failure.getClass();
        if (sample.observation != null) {
            String exception = exceptionType == null ? "none" : exceptionType.getSimpleName();
            String outcome = Outcome.forStatus(status).name();
            sample.observation
                    .lowCardinalityKeyValue("uri", sample.uri())
                    .lowCardinalityKeyValue("status", Integer.toString(status))
                    .lowCardinalityKeyValue("outcome", outcome)
                    .lowCardinalityKeyValue("exception", exception)
                    .lowCardinalityKeyValue("mode", mode)
                    .contextualName(sample.method + " " + sample.uri());
            if (sample.observation.getContext() instanceof RequestReplyReceiverContext<?, ?> context) {
                @SuppressWarnings("unchecked")
                var reply = (RequestReplyReceiverContext<?, Integer>) context;
                reply.setResponse(status);
            }
            if (failure != null) {
                sample.observation.error(failure);
            }
            sample.observation.stop();
            return;
        }
        RequestKey key = new RequestKey(sample.method, sample.uri(), status, exceptionType);
        Timer timer = requestTimers.get(key);
        if (timer == null) {
            timer = requestTimers.computeIfAbsent(key, k -> requests.withTags("method", k.method(), "uri", k.uri(),
                    "status", Integer.toString(k.status()), "outcome", Outcome.forStatus(k.status()).name(),
                    "exception", k.exception() == null ? "none" : k.exception().getSimpleName()));
        }
        timer.record(System.nanoTime() - sample.startNanos, TimeUnit.NANOSECONDS);
    }

    private void recordSpan(TracedSample sample, int status) {
        Thread thread = sample.handlerThread;
        spans.record(sequence -> new RequestSpan(sequence, sample.method, sample.uri(), sample.dispatcher,
                thread == null ? null : thread.getName(), thread == null ? -1 : thread.threadId(),
                thread != null && thread.isVirtual(), sample.readyNanos + spanOffsetNanos,
                sample.handlerStartNanos + spanOffsetNanos, sample.handlerEndNanos + spanOffsetNanos, status,
                sample.waitOutcome, sample.waitedBehind));
    }

    /** The tags of one request timer, hashed without building Micrometer tags on every request. */
    private record RequestKey(String method, String uri, int status, Class<?> exception) {
    }

    private record QueuedKey(String method, String uri, WaitOutcome outcome) {
    }

    private record BlockedKey(String uri, String blocker, WaitOutcome outcome) {
    }

    @Override
    public void close() {
        if (detector != null) {
            detector.shutdownNow();
        }
        registered.forEach(registry::remove);
    }

    private AtomicInteger activeCounter(String uri) {
        AtomicInteger counter = active.get(uri);
        if (counter != null) {
            return counter;
        }
        return active.computeIfAbsent(uri, key -> {
            AtomicInteger created = new AtomicInteger();
            registered.add(Gauge.builder(MeterNames.REQUESTS_ACTIVE, created, AtomicInteger::get)
                    .description("Requests whose handler holds a thread now")
                    .tags("mode", mode, "uri", key)
                    .register(registry));
            return created;
        });
    }

    private void bindDispatcher(Dispatcher dispatcher) {
        Tags tags = Tags.of("dispatcher", dispatcher.name(), "mode", dispatcher.mode().shortName());
        registered.add(Gauge.builder(MeterNames.DISPATCHER_ACTIVE, dispatcher, Dispatcher::active)
                .description("Handlers running on this dispatcher").tags(tags).register(registry));
        registered.add(Gauge.builder(MeterNames.DISPATCHER_QUEUED, dispatcher, Dispatcher::queued)
                .description("Requests waiting for a thread of this dispatcher").tags(tags).register(registry));
        registered.add(Gauge.builder(MeterNames.DISPATCHER_CAPACITY, dispatcher, Dispatcher::capacity)
                .description("Most handlers this dispatcher runs at once (-1: no limit)").tags(tags).register(registry));
        registered.add(FunctionCounter.builder(MeterNames.DISPATCHER_REJECTED, dispatcher, Dispatcher::rejected)
                .description("Requests this dispatcher refused with 503").tags(tags).register(registry));
    }

    private ScheduledExecutorService startDetector() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                Dispatchers.daemonThreads("overdue-detector"));
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), overdueNanos / 4);
        scheduler.scheduleAtFixedRate(this::reportOverdue, period, period, TimeUnit.NANOSECONDS);
        return scheduler;
    }

    /** Like Vert.x's blocked-thread checker: one warning, with the stack, per handler that overstays. */
    private void reportOverdue() {
        long now = System.nanoTime();
        for (Occupancy held : watched.values()) {
            for (Occupancy.Occupant occupant : held.occupants()) {
                if (!occupant.reported && now - occupant.startNanos >= overdueNanos) {
                    occupant.reported = true;
                    overdue.withTags("uri", occupant.uri).increment();
                    Throwable where = new Throwable("stack of " + occupant.thread.getName());
                    where.setStackTrace(occupant.thread.getStackTrace());
                    log.warn("Handler of {} has held {} ({}) for {} ms; every other request on that thread waits",
                            occupant.uri, occupant.thread.getName(), held.dispatcher,
                            TimeUnit.NANOSECONDS.toMillis(now - occupant.startNanos), where);
                }
            }
        }
    }
}

package dev.spindle.internal.server;

import dev.spindle.Limits;
import dev.spindle.internal.metrics.RequestMetrics;
import dev.spindle.internal.routing.Route;
import dev.spindle.internal.routing.Router;
import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.json.JsonMapper;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.handlers.HttpContinueReadHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.XnioIoThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Undertow adapter: the only place Spindle touches Undertow. Starts a listener whose root
 * handler is {@link SpindleHandler}, and stops it gracefully.
 */
public final class UndertowServer {

    private static final Logger log = LoggerFactory.getLogger(UndertowServer.class);

    private final Undertow undertow;
    private final SpindleHandler handler;
    private final Router router;
    private final ServerOptions options;
    /** Set by {@link #refuseNewRequests()} so that static files, which bypass the routes, are refused too. */
    private final AtomicBoolean stopping;
    /** Route requests, static-file responses and WebSocket sessions: what a stop waits for. */
    private final InFlightRequests inFlight;
    private volatile long graceDeadline;

    private UndertowServer(Undertow undertow, SpindleHandler handler, Router router, ServerOptions options,
                           AtomicBoolean stopping, InFlightRequests inFlight) {
        this.undertow = undertow;
        this.handler = handler;
        this.router = router;
        this.options = options;
        this.stopping = stopping;
        this.inFlight = inFlight;
    }

    /**
     * Binds and starts serving {@code router}'s routes, HTTP and WebSocket, and reports every request
     * to {@code metrics}.
     */
    public static UndertowServer start(ServerOptions options, Router router, JsonMapper json,
                                       RequestMetrics metrics) {
        Limits limits = options.limits();
        InFlightRequests inFlight = new InFlightRequests();
        SpindleHandler handler = new SpindleHandler(router, json, options.maxBodySize(), limits.bodyTimeout(),
                limits.maxBufferedBodyBytes(), metrics, inFlight);
        AtomicBoolean stopping = new AtomicBoolean();
        Undertow undertow = Undertow.builder()
                .addHttpListener(options.port(), options.host())
                .setIoThreads(options.ioThreads())
                .setWorkerThreads(Math.max(2, options.ioThreads()))
                .setByteBufferPool(bufferPool(options.ioThreads()))
                // Undertow's chunked decoder takes this limit when it parses the request, before a route is
                // known, and refuses past it (2 MiB by default): make it the largest limit of any route,
                // and let Spindle enforce each route's own (413 before reading when declared, else as it arrives).
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, largestBodyLimit(options, router))
                .setServerOption(UndertowOptions.RECORD_REQUEST_START_TIME, true)
                .setServerOption(UndertowOptions.ALWAYS_SET_DATE, true)
                .setServerOption(UndertowOptions.MAX_HEADERS, limits.maxHeaders())
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, limits.maxHeaderBytes())
                .setServerOption(UndertowOptions.MAX_PARAMETERS, limits.maxParameters())
                .setServerOption(UndertowOptions.MAX_COOKIES, limits.maxCookies())
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) limits.requestParseTimeout().toMillis())
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, (int) limits.idleTimeout().toMillis())
                // Answers "Expect: 100-continue" when the body is first read, so a client uploading a large
                // body that gets refused (413, 503) hears so before it sends the body.
                .setHandler(new FramingCheck(new HttpContinueReadHandler(
                        StaticFiles.mount(handler, options.staticFiles(), stopping::get, inFlight)), json))
                .build();
        undertow.start();
        return new UndertowServer(undertow, handler, router, options, stopping, inFlight);
    }

    /**
     * 16 KiB direct buffers with no per-thread cache, so any thread may take and free them. Today
     * only IO threads do (they read streamed bodies and write responses), but a handler thread that
     * ever does, writing a response say, must not grow the pool: with a cache, Undertow's
     * {@code DefaultByteBufferPool} gives every thread that frees a buffer it took a stash of up to
     * that many, kept until the thread is collected and a finalizer hands it back; on virtual
     * threads, a stash per request. With a cache size of 0, {@code allocate} skips the per-thread
     * map (a synchronized {@code WeakHashMap} keyed by thread) and polls one lock-free queue, and
     * {@code free} offers to it after one lookup in that map, as it did with a cache. The IO
     * threads lose only their private reuse: a CAS on the shared queue instead of an
     * {@code ArrayDeque}. The queue keeps as many idle buffers as their caches did, 4 per IO thread
     * (the old pool's shared queue, size -1, kept none); one freed beyond that is released at once,
     * as before.
     */
    private static DefaultByteBufferPool bufferPool(int ioThreads) {
        return new DefaultByteBufferPool(true, 16 * 1024, 4 * ioThreads, 0);
    }

    private static long largestBodyLimit(ServerOptions options, Router router) {
        long largest = options.maxBodySize();
        for (Route route : router.routes()) {
            largest = Math.max(largest, route.streamingBodyLimit());
        }
        return Math.max(1, largest); // Undertow reads 0 as "no limit"; a limit of 0 is Spindle's to enforce
    }

    /** The bound port (the real one when started on port 0). */
    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().getFirst().getAddress()).getPort();
    }

    /**
     * Whether the current thread is one a stop would wait for: an IO thread of this server (a
     * {@code nonBlocking} route, a WebSocket callback, an event stream's source) or a thread running
     * one of its requests.
     */
    public boolean ownsCurrentThread() {
        return handler.servesOnCurrentThread()
                || Thread.currentThread() instanceof XnioIoThread io && io.getWorker() == undertow.getWorker();
    }

    /**
     * The first step of a graceful stop, which starts the grace period: answers every new request
     * with 503 and {@code Connection: close}, and every request still waiting in a dispatcher's queue
     * with 503 and {@code Retry-After} at once (a load balancer can retry it elsewhere; it has not
     * started). Requests that started run on.
     *
     * <p>The listener stays open while draining on purpose: Undertow's only way to stop accepting
     * ({@code ListenerInfo.suspend()}) also closes every open connection, in-flight ones included.
     */
    public void refuseNewRequests() {
        graceDeadline = System.nanoTime() + options.shutdownGrace().toNanos();
        stopping.set(true);
        handler.startDraining();
        for (Dispatcher dispatcher : router.dispatchers()) {
            dispatcher.shutdown();
        }
    }

    /**
     * Ends every open event stream, after the events already queued, and closes every WebSocket with
     * {@code 1001} (going away); one that opens later (its request had started) ends as it opens.
     */
    public void endStreams() {
        handler.endStreams();
    }

    /**
     * Waits, until the grace period that {@link #refuseNewRequests()} started is over, for the
     * requests in flight (static-file responses and WebSocket sessions included) to end and the
     * dispatchers' threads to finish; then interrupts the handlers still running.
     */
    public void awaitRequests() {
        Duration grace = options.shutdownGrace();
        try {
            if (!inFlight.awaitNone(remaining())) {
                log.warn("{} request(s) still in flight after the {} ms shutdown grace period; stopping anyway",
                        inFlight.count(), grace.toMillis());
            }
            for (Dispatcher dispatcher : router.dispatchers()) {
                if (!dispatcher.awaitTermination(remaining())) {
                    dispatcher.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            router.dispatchers().forEach(Dispatcher::shutdownNow);
        }
    }

    private Duration remaining() {
        return Duration.ofNanos(Math.max(0, graceDeadline - System.nanoTime()));
    }

    /** Closes the listener and every connection still open, and stops the IO threads. The last step of a stop. */
    public void close() {
        router.dispatchers().forEach(Dispatcher::shutdownNow);
        undertow.stop();
    }
}

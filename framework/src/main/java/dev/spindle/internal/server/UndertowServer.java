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
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.HttpContinueReadHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
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
    /** Set by {@link #stop()} so that static files, which bypass the routes, are refused too. */
    private final AtomicBoolean stopping;

    private UndertowServer(Undertow undertow, SpindleHandler handler, Router router, ServerOptions options,
                           AtomicBoolean stopping) {
        this.undertow = undertow;
        this.handler = handler;
        this.router = router;
        this.options = options;
        this.stopping = stopping;
    }

    /**
     * Binds and starts serving {@code router}'s routes, HTTP and WebSocket, and reports every request
     * to {@code metrics}.
     */
    public static UndertowServer start(ServerOptions options, Router router, JsonMapper json,
                                       RequestMetrics metrics) {
        Limits limits = options.limits();
        SpindleHandler handler = new SpindleHandler(router, json, options.maxBodySize(), limits.bodyTimeout(),
                limits.maxBufferedBodyBytes(), metrics);
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
                .setHandler(new FramingCheck(new HttpContinueReadHandler(withStaticFiles(handler, options, stopping)), json))
                .build();
        undertow.start();
        return new UndertowServer(undertow, handler, router, options, stopping);
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

    private static HttpHandler withStaticFiles(SpindleHandler routes, ServerOptions options, AtomicBoolean stopping) {
        return StaticFiles.mount(routes, options.staticFiles(), stopping::get);
    }

    /** The bound port (the real one when started on port 0). */
    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().getFirst().getAddress()).getPort();
    }

    /**
     * Stops gracefully: answers every new request with 503 and {@code Connection: close}, answers
     * every request still waiting in a dispatcher's queue with 503 and {@code Retry-After} at once (a
     * load balancer can retry it elsewhere; it has not started), lets started requests finish within
     * the grace period, then interrupts what is left and closes the listener and all connections.
     *
     * <p>The listener stays open while draining on purpose: Undertow's only way to stop accepting
     * ({@code ListenerInfo.suspend()}) also closes every open connection, in-flight ones included.
     */
    public void stop() {
        Duration grace = options.shutdownGrace();
        long deadline = System.nanoTime() + grace.toNanos();
        stopping.set(true);
        handler.startDraining();
        try {
            for (Dispatcher dispatcher : router.dispatchers()) {
                dispatcher.shutdown();
            }
            if (!handler.inFlight().awaitNone(grace)) {
                log.warn("{} request(s) still in flight after the {} ms shutdown grace period; stopping anyway",
                        handler.inFlight().count(), grace.toMillis());
            }
            for (Dispatcher dispatcher : router.dispatchers()) {
                if (!dispatcher.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                    dispatcher.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            router.dispatchers().forEach(Dispatcher::shutdownNow);
        } finally {
            undertow.stop();
        }
    }
}

package dev.spindle.routing;

import dev.spindle.threading.ThreadingMode;
import java.time.Duration;

/**
 * Options of one route, given when it is declared:
 * {@code app.get("/report", handler, route -> route.name("report").threading(workerPool(2, 10)).timeout(Duration.ofSeconds(5)))}.
 */
public final class RouteOptions {

    String name;
    ThreadingMode threading;
    Duration timeout;
    long streamingBodyLimit = -1;

    RouteOptions() {
    }

    /** A name for reverse routing ({@code app.url(name, params)}). */
    public RouteOptions name(String name) {
        this.name = name;
        return this;
    }

    /** Runs this route on its own executor of the given mode: a bulkhead. */
    public RouteOptions threading(ThreadingMode mode) {
        this.threading = mode;
        return this;
    }

    /** Runs this route on the IO thread: the handler must never block. */
    public RouteOptions nonBlocking() {
        return threading(ThreadingMode.nonBlocking());
    }

    /**
     * Lets the handler read the request body while it arrives, from {@code ctx.bodyStream()},
     * instead of receiving it whole on the IO thread before the handler runs: for uploads too large
     * to hold in memory. <b>The handler's thread then blocks on the network</b>: a slow client holds
     * it for as long as it takes to send, so give such a route virtual threads or a bulkhead of its
     * own. The app's body limit does not apply; {@code maxBytes} does (413 past it).
     */
    public RouteOptions streamingBody(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("A streaming body limit must not be negative, was " + maxBytes);
        }
        this.streamingBodyLimit = maxBytes;
        return this;
    }

    /** After this long the client gets 503 and the handler's thread is interrupted. */
    public RouteOptions timeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("A route timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
        return this;
    }
}

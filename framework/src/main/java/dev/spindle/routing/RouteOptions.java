package dev.spindle.routing;

import dev.spindle.threading.ThreadingMode;
import java.time.Duration;

/**
 * Options of one route, given when it is declared:
 * {@code app.get("/report", handler, route -> route.name("report").threading(workerPool(2, 10)).timeout(Duration.ofSeconds(5)))}.
 *
 * <p>Not thread-safe: configured on the thread that declares the route, before the app starts.
 */
public interface RouteOptions {

    /** A name for reverse routing ({@code app.url(name, params)}). */
    RouteOptions name(String name);

    /** Runs this route on its own executor of the given mode: a bulkhead. */
    RouteOptions threading(ThreadingMode mode);

    /** Runs this route on the IO thread: the handler must never block. */
    default RouteOptions nonBlocking() {
        return threading(ThreadingMode.nonBlocking());
    }

    /**
     * Lets the handler read the request body while it arrives, from {@code ctx.bodyStream()},
     * instead of receiving it whole on the IO thread before the handler runs: for uploads too large
     * to hold in memory. <b>The handler's thread then blocks on the network</b>: a slow client holds
     * it for as long as it takes to send, so give such a route virtual threads or a bulkhead of its
     * own. The app's body limit does not apply; {@code maxBytes} does (413 past it; 0 accepts no body).
     */
    RouteOptions streamingBody(long maxBytes);

    /** After this long the client gets 503 and the handler's thread is interrupted. */
    RouteOptions timeout(Duration timeout);
}

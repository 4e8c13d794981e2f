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
     * to hold in memory. <b>The handler's thread then waits for the client</b>: each read waits
     * until the IO thread has received what it asked for, so a slow client holds the thread for as
     * long as it takes to send; give such a route virtual threads or a bulkhead of its own. The
     * app's body limit does not apply; {@code maxBytes} does (413 past it, declared or chunked; 0
     * accepts no body). A {@code multipart/form-data} body is parsed as it arrives
     * ({@code ctx.uploadedFiles}, {@code ctx.formParam}); its parts are held in memory, up to
     * {@code maxBytes}. Past the route's timeout a waiting read ends with the 503 the client gets,
     * and the connection is closed instead of drained, as it is whenever the handler leaves part
     * of the body unread.
     */
    RouteOptions streamingBody(long maxBytes);

    /** After this long the client gets 503 and the handler's thread is interrupted. */
    RouteOptions timeout(Duration timeout);
}

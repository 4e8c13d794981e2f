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

    /** After this long the client gets 503 and the handler's thread is interrupted. */
    public RouteOptions timeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("A route timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
        return this;
    }
}

package dev.spindle.internal.routing;

import dev.spindle.internal.Checks;
import dev.spindle.routing.RouteOptions;
import dev.spindle.threading.ThreadingMode;
import java.time.Duration;

/** The options one route was declared with, read when the routes compile. */
final class Options implements RouteOptions {

    String name;
    ThreadingMode threading;
    Duration timeout;
    long streamingBodyLimit = -1;

    Options() {
    }

    @Override
    public RouteOptions name(String name) {
        this.name = name;
        return this;
    }

    @Override
    public RouteOptions threading(ThreadingMode mode) {
        this.threading = mode;
        return this;
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

    @Override
    public RouteOptions timeout(Duration timeout) {
        this.timeout = Checks.positive("A route timeout", timeout);
        return this;
    }
}

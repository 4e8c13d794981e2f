package dev.spindle.metrics;

/** The names of Spindle's meters; {@code docs/metrics.md} says what each one answers. */
public final class MeterNames {

    /** Timer: arrival to response sent, tagged method, uri, status, outcome, exception (Micrometer convention). */
    public static final String HTTP_SERVER_REQUESTS = "http.server.requests";
    /**
     * Timer: body received to handler start, refusal or expiry, the time a request waited for a thread;
     * tagged method, uri, outcome ({@code started}, {@code refused}, {@code expired}).
     */
    public static final String REQUEST_QUEUED = "spindle.request.queued";
    /** Gauge: requests whose handler holds a thread now, per uri. */
    public static final String REQUESTS_ACTIVE = "spindle.requests.active";
    /**
     * Counter: requests that waited at least the blocked threshold for a thread, or were refused one,
     * tagged uri, blocker (the route with the largest share of the wait) and outcome.
     */
    public static final String REQUEST_BLOCKED = "spindle.request.blocked";
    /**
     * Counter in seconds ({@code spindle_request_blocked_seconds_total}): each queue wait of route uri,
     * split among the routes (blocker) that held the threads it needed, by the thread-time each held.
     */
    public static final String REQUEST_BLOCKED_SECONDS = "spindle.request.blocked.seconds";
    /** Counter: requests answered 503 because they passed their deadline, per uri. */
    public static final String REQUEST_TIMEOUTS = "spindle.request.timeouts";
    /** Counter: handlers that ran past the overdue threshold on the single thread or an IO thread, per uri. */
    public static final String HANDLER_OVERDUE = "spindle.handler.overdue";
    /** Gauge: handlers running on a dispatcher. */
    public static final String DISPATCHER_ACTIVE = "spindle.dispatcher.active";
    /** Gauge: requests waiting for one of a dispatcher's threads. */
    public static final String DISPATCHER_QUEUED = "spindle.dispatcher.queued";
    /** Gauge: the most handlers a dispatcher runs at once ({@code -1}: no limit). */
    public static final String DISPATCHER_CAPACITY = "spindle.dispatcher.capacity";
    /** Counter: requests a dispatcher refused with 503. */
    public static final String DISPATCHER_REJECTED = "spindle.dispatcher.rejected";

    private MeterNames() {
    }
}

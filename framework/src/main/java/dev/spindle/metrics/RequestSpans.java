package dev.spindle.metrics;

import java.util.List;

/**
 * The recent requests of an app as spans on its threads ({@link RequestSpan}), for live timelines
 * such as the demo's dashboard: a bounded ring buffer that records only while at least one
 * {@link Subscription} is open, so an app nobody watches pays one volatile read per request (with
 * meters on), and not a byte.
 * Recording needs the app's meters ({@code SpindleConfig.meterRegistry}); without them nothing is
 * ever recorded.
 * <pre>{@code
 * try (RequestSpans.Subscription spans = app.spans().subscribe()) {
 *     for (RequestSpan span : spans.poll()) {
 *         log.info("{} ran {}", span.thread(), span.route());
 *     }
 * }
 * }</pre>
 *
 * <p><b>Threading:</b> every method may be called from any thread. Requests write the buffer
 * without locks as they complete; a subscriber reads it when it polls, so a slow reader never holds
 * a request up: it loses the spans that were overwritten before it polled.
 */
public interface RequestSpans {

    /** How many spans the buffer holds; older ones are overwritten. */
    int capacity();

    /** {@link System#currentTimeMillis()} at the instant span times count from. */
    long originEpochMillis();

    /** Nanoseconds since the origin now, on the clock span times use. */
    long nowNanos();

    /** Whether spans are being recorded: whether any subscription is open. */
    boolean recording();

    /**
     * Starts recording, if no one was, until the subscription is closed. Its first {@link
     * Subscription#poll} returns the spans still in the buffer from earlier subscriptions as well.
     */
    Subscription subscribe();

    /** A reader of the buffer. Close it, or recording never stops. */
    interface Subscription extends AutoCloseable {

        /**
         * The spans recorded since the last poll, oldest first. Spans overwritten before this poll
         * are skipped and counted in {@link #missed}.
         */
        List<RequestSpan> poll();

        /** How many spans this subscription skipped because the buffer overwrote them first. */
        long missed();

        /** Stops reading; recording stops when the last subscription closes. Closing again does nothing. */
        @Override
        void close();
    }
}

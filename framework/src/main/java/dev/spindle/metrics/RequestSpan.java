package dev.spindle.metrics;

import java.util.List;

/**
 * One request as a span on a thread timeline: when it was ready to run, when a handler thread took
 * it and when the thread was given back, which thread, how it ended, and behind which routes it
 * waited. Recorded by {@link RequestSpans} only while someone subscribes.
 *
 * <p>Times are nanoseconds since {@link RequestSpans#originEpochMillis()}, on the monotonic clock;
 * {@code readyNanos} is when the request was handed to its dispatcher (its body received), so
 * {@code startNanos - readyNanos} is its wait for a thread. A refused or expired request never got a
 * thread: its {@code thread} is {@code null}, its {@code threadId} is -1, and its start and end are
 * both when it was turned away.
 *
 * @param sequence      position in the recorder, from 0, in the order requests completed
 * @param method        the request method, e.g. {@code GET}
 * @param route         the matched route's template, e.g. {@code /users/{id}}, or {@code NOT_FOUND}
 * @param dispatcher    the name of the dispatcher that ran (or refused) it
 * @param thread        the name of the handler's thread, or {@code null} if it never got one
 * @param threadId      that thread's id ({@link Thread#threadId()}), or -1
 * @param virtual       whether that thread is virtual
 * @param readyNanos    when it was handed to its dispatcher
 * @param startNanos    when its handler started (or it was refused, or expired)
 * @param endNanos      when its handler gave the thread back (or {@code startNanos})
 * @param status        the response status
 * @param outcome       whether it ran, was refused a thread, or expired waiting for one
 * @param waitedBehind  the routes that held the threads it waited for, largest share first; empty
 *                      when it did not queue, or its dispatcher never queues
 */
public record RequestSpan(long sequence, String method, String route, String dispatcher, String thread,
                          long threadId, boolean virtual, long readyNanos, long startNanos, long endNanos,
                          int status, Outcome outcome, List<Wait> waitedBehind) {

    /** How a request's wait for a thread ended. */
    public enum Outcome {
        /** A handler thread took it and ran it. */
        RAN,
        /** Its dispatcher turned it away (503), at once or from the queue. */
        REFUSED,
        /** Its deadline passed while it still waited for a thread (503). */
        EXPIRED
    }

    /**
     * A share of a wait: {@code route} held the threads this request needed for part of its wait,
     * and {@code nanos} of the wait fall to it (in proportion to the thread-time it held meanwhile,
     * the blocked-by rule of {@code docs/metrics.md}).
     */
    public record Wait(String route, long nanos) {
    }
}

package dev.spindle.http;

/**
 * The open end of a server-sent event stream ({@code text/event-stream}), given to the source passed
 * to {@link Context#eventStream}. Each {@link #send} becomes one event on the wire:
 * <pre>{@code
 * event: progress
 * data: {"percent":40}
 * }</pre>
 *
 * <p>While no event is sent, a comment line ({@code :}) goes out every 15 seconds so that proxies do
 * not close the idle connection; clients ignore it.
 *
 * <p><b>Threading:</b> every method may be called from any thread and never blocks: events are
 * queued and written, in the order sent, by the server's IO thread. Events sent after the stream
 * has closed are dropped ({@link #send} answers {@code false}).
 */
public interface EventSink {

    /**
     * Queues an event.
     *
     * @param event the event name ({@code event:} field), or {@code null} for an unnamed message
     * @param data the payload; line breaks become several {@code data:} lines
     * @return {@code false} if the stream is already closed and the event was dropped
     */
    boolean send(String event, String data);

    /** Queues an unnamed event. */
    default boolean send(String data) {
        return send(null, data);
    }

    /** Ends the response once the queued events are written. Calling it again does nothing. */
    void close();

    /** Whether the stream is still open: not closed here and not gone on the client's side. */
    boolean isOpen();

    /** Runs {@code action} once when the stream ends, whether closed here or by the client; at once if it already has. */
    void onClose(Runnable action);
}

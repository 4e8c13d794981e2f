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
 *
 * <p><b>Backpressure:</b> a client that does not read cannot make the server buffer without limit.
 * Once more than {@value #MAX_PENDING_BYTES} bytes of events wait to be written to it, the stream is
 * closed (its close actions run) and further sends answer {@code false}.
 */
public interface EventSink {

    /** The most bytes of event data that may wait for a slow client before its stream is closed. */
    int MAX_PENDING_BYTES = 1 << 20;

    /**
     * Queues an event with an id ({@code id:} field). A browser's {@code EventSource} sends the last
     * id it saw as {@code Last-Event-ID} when it reconnects, so the source can resume from there.
     *
     * @param event the event name ({@code event:} field), or {@code null} for an unnamed message
     * @param data the payload; line breaks become several {@code data:} lines
     * @param id the event id, or {@code null} for none
     * @return {@code false} if the stream is already closed and the event was dropped
     */
    boolean send(String event, String data, String id);

    /** Queues an event without an id: {@link #send(String, String, String) send(event, data, null)}. */
    default boolean send(String event, String data) {
        return send(event, data, null);
    }

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

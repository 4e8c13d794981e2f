package dev.spindle.http;

/**
 * One WebSocket connection, as seen by its {@link WebSocketHandler}.
 *
 * <p><b>Threading:</b> safe to use from any thread; {@link #send} and {@link #close} never block:
 * messages are queued and written in order by the server's IO thread. Messages sent after the
 * session has closed are dropped.
 */
public interface WebSocketSession {

    /** The request path of the upgrade request, e.g. {@code /jobs/abc/events}. */
    String path();

    /** A path parameter of the matched template, converted as for HTTP routes, as text; or {@code null}. */
    String pathParam(String name);

    /** The first value of a query parameter of the upgrade request, or {@code null}. */
    String queryParam(String name);

    /** The first value of a header of the upgrade request, or {@code null}. */
    String header(String name);

    /** Queues a text message. */
    void send(String text);

    /**
     * Sends a close frame after the queued messages and ends the connection when the client answers.
     *
     * @param code 1000 for a normal close, 1008 for a policy refusal, 1011 for a server error, 4000–4999 for your own
     */
    void close(int code, String reason);

    /** Closes normally (1000). */
    default void close() {
        close(1000, "");
    }

    /** Whether the connection is open and no close frame has been sent or received. */
    boolean isOpen();
}

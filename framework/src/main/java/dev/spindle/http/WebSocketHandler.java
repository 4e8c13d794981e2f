package dev.spindle.http;

/**
 * Serves the WebSocket connections of one route, declared with {@code app.ws(template, handler)}:
 * <pre>{@code
 * app.ws("/echo/{room}", new WebSocketHandler() {
 *     public void onOpen(WebSocketSession session) {
 *         session.send("joined " + session.pathParam("room"));
 *     }
 *     public void onText(WebSocketSession session, String text) {
 *         session.send(text);
 *     }
 * });
 * }</pre>
 *
 * <p>A WebSocket route matches only upgrade requests ({@code Upgrade: websocket}); other requests
 * to the same path go to the HTTP routes, so one path can offer both. The upgrade request is a
 * request like any other: the {@code before} hooks of the app and of the route's groups run for it,
 * on the app's (or group's) threading mode, before the handshake. A hook that returns a value or
 * throws answers the upgrade with that response (a {@code 401}, say), and no connection is opened;
 * otherwise the {@code after} hooks may add headers to the {@code 101} response, {@code teardown}
 * runs, and the request is metered with status {@code 101}. Hooks and error handlers do not run
 * for the messages of an open connection.
 *
 * <p>Messages from the client are limited to 64 KiB; a larger one closes the connection. Binary
 * messages are accepted and ignored.
 *
 * <p><b>Threading:</b> every callback runs on the connection's server IO thread and <b>must not
 * block</b>; hand slow work to your own executor and {@link WebSocketSession#send send} from there.
 * Callbacks of one connection never run concurrently. An exception thrown by a callback is logged
 * and closes the connection with {@code 1011}.
 */
public interface WebSocketHandler {

    /** A client connected. */
    void onOpen(WebSocketSession session) throws Exception;

    /** A whole text message arrived. Ignored by default. */
    default void onText(WebSocketSession session, String text) throws Exception {
    }

    /**
     * The connection ended, whichever side closed it; called once per session.
     *
     * @param code the close code (1000 normal, 1006 when the connection dropped without a close frame)
     */
    default void onClose(WebSocketSession session, int code, String reason) {
    }
}

package dev.spindle.internal.server;

import dev.spindle.http.WebSocketHandler;
import dev.spindle.http.WebSocketSession;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link WebSocketSession} over an Undertow {@link WebSocketChannel}. Sends and closes from any
 * thread are handed to the channel's IO thread, whose FIFO task queue keeps them in order.
 */
final class UndertowWebSocketSession implements WebSocketSession {

    private static final Logger log = LoggerFactory.getLogger(UndertowWebSocketSession.class);
    private static final int ABNORMAL = 1006;
    private static final int GOING_AWAY = 1001;
    /** The largest message a client may send; Undertow's default buffers without limit. */
    private static final long MAX_MESSAGE_BYTES = 64 * 1024;

    private final WebSocketChannel channel;
    private final WebSocketHandler handler;
    private final String path;
    private final Map<String, Object> pathParams;
    private final Map<String, List<String>> queryParams;
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile int peerCode = ABNORMAL;
    private volatile String peerReason = "";

    private UndertowWebSocketSession(WebSocketHttpExchange exchange, WebSocketChannel channel, WebSocketHandler handler) {
        this.channel = channel;
        this.handler = handler;
        String uri = exchange.getRequestURI();
        int query = uri.indexOf('?');
        this.path = query < 0 ? uri : uri.substring(0, query);
        Map<String, Object> params = exchange.getAttachment(WebSocketUpgrades.PATH_PARAMS);
        this.pathParams = params == null ? Map.of() : params;
        this.queryParams = exchange.getRequestParameters();
        this.headers.putAll(exchange.getRequestHeaders());
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String pathParam(String name) {
        Object value = pathParams.get(name);
        return value == null ? null : value.toString();
    }

    @Override
    public String queryParam(String name) {
        List<String> values = queryParams.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    @Override
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    @Override
    public void send(String text) {
        if (isOpen()) {
            channel.getIoThread().execute(() -> {
                if (!channel.isCloseFrameSent()) {
                    WebSockets.sendText(text, channel, null);
                }
            });
        }
    }

    @Override
    public void close(int code, String reason) {
        if (closing.compareAndSet(false, true)) {
            channel.getIoThread().execute(() -> {
                if (!channel.isCloseFrameSent()) {
                    WebSockets.sendClose(code, reason, channel, null);
                }
            });
        }
    }

    @Override
    public boolean isOpen() {
        return !closing.get() && channel.isOpen() && !channel.isCloseFrameReceived();
    }

    private void ended() {
        if (ended.compareAndSet(false, true)) {
            try {
                handler.onClose(this, peerCode, peerReason);
            } catch (RuntimeException e) {
                log.warn("onClose of WebSocket {} failed", path, e);
            }
        }
    }

    private void fail(String callback, Exception error) {
        log.error("WebSocket {} of {} failed; closing with 1011", callback, path, error);
        close(1011, "Server error");
    }

    /**
     * Wires a new connection to its handler, counts it in flight until it closes, and registers it
     * with the open streams, which close it with {@code 1001} (going away) when the server stops. IO thread.
     */
    static final class Callback implements WebSocketConnectionCallback {
        private final WebSocketHandler handler;
        private final OpenStreams streams;

        Callback(WebSocketHandler handler, OpenStreams streams) {
            this.handler = handler;
            this.streams = streams;
        }

        @Override
        public void onConnect(WebSocketHttpExchange exchange, WebSocketChannel channel) {
            UndertowWebSocketSession session = new UndertowWebSocketSession(exchange, channel, handler);
            WebSocketUpgrades.Counted counted = exchange.getAttachment(WebSocketUpgrades.COUNTED);
            counted.connected();
            channel.getReceiveSetter().set(new AbstractReceiveListener() {
                @Override
                protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                    try {
                        handler.onText(session, message.getData());
                    } catch (Exception e) {
                        session.fail("onText", e);
                    }
                }

                @Override
                protected long getMaxTextBufferSize() {
                    return MAX_MESSAGE_BYTES;
                }

                @Override
                protected long getMaxBinaryBufferSize() {
                    return MAX_MESSAGE_BYTES;
                }

                @Override
                protected void onCloseMessage(CloseMessage message, WebSocketChannel ch) {
                    session.peerCode = message.getCode();
                    session.peerReason = message.getReason();
                }
            });
            channel.addCloseTask(closed -> {
                streams.closed(session);
                session.ended(); // onClose runs before the count ends, so a stop returns after it
                counted.end();
            });
            channel.resumeReceives();
            try {
                handler.onOpen(session);
            } catch (Exception e) {
                session.fail("onOpen", e);
            }
            streams.opened(session, () -> session.close(GOING_AWAY, "The server is stopping"));
        }
    }
}

package dev.spindle.internal.server;

import dev.spindle.http.EventSink;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.sse.ServerSentEventConnection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;

/**
 * A {@code text/event-stream} response over Undertow's {@link ServerSentEventConnection}. Whatever
 * thread calls {@link #send}, the connection is only ever touched on the exchange's IO thread, whose
 * task queue keeps events in order.
 */
final class EventStreamResponse implements EventSink {

    private static final Logger log = LoggerFactory.getLogger(EventStreamResponse.class);
    /** A comment line this often keeps idle streams open through proxies that cut silent connections. */
    private static final long KEEP_ALIVE_MILLIS = 15_000;

    private final HttpServerExchange exchange;
    private final ServerSentEventConnection connection;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final AtomicBoolean ended = new AtomicBoolean();
    private final List<Runnable> closeActions = new CopyOnWriteArrayList<>();
    /** Bytes of event data sent but not yet written to the client. */
    private final AtomicLong pending = new AtomicLong();
    private final ServerSentEventConnection.EventCallback written = new ServerSentEventConnection.EventCallback() {
        @Override
        public void done(ServerSentEventConnection connection, String data, String event, String id) {
            pending.addAndGet(-data.length());
        }

        @Override
        public void failed(ServerSentEventConnection connection, String data, String event, String id,
                           java.io.IOException e) {
            pending.addAndGet(-data.length());
        }
    };

    private EventStreamResponse(HttpServerExchange exchange, ServerSentEventConnection connection) {
        this.exchange = exchange;
        this.connection = connection;
    }

    /**
     * Sends the headers, then hands the open stream to {@code source} and registers it with
     * {@code streams}, which end it when the server stops. IO thread; headers already copied.
     */
    static void start(HttpServerExchange exchange, Consumer<EventSink> source, OpenStreams streams) {
        exchange.setPersistent(false);
        StreamSinkChannel sink = exchange.getResponseChannel();
        try {
            if (sink.flush()) {
                connect(exchange, sink, source, streams);
                return;
            }
        } catch (java.io.IOException e) {
            IoUtils.safeClose(exchange.getConnection());
            return;
        }
        sink.getWriteSetter().set(ChannelListeners.flushingChannelListener(
                channel -> connect(exchange, channel, source, streams),
                (channel, error) -> IoUtils.safeClose(exchange.getConnection())));
        sink.resumeWrites();
    }

    private static void connect(HttpServerExchange exchange, StreamSinkChannel sink, Consumer<EventSink> source,
                                OpenStreams streams) {
        ServerSentEventConnection connection = new ServerSentEventConnection(exchange, sink);
        connection.setKeepAliveTime(KEEP_ALIVE_MILLIS);
        EventStreamResponse stream = new EventStreamResponse(exchange, connection);
        connection.addCloseTask(closed -> {
            streams.closed(stream);
            stream.ended();
        });
        try {
            source.accept(stream);
        } catch (RuntimeException e) {
            log.error("Event stream source of {} failed; closing the stream", exchange.getRelativePath(), e);
            stream.close();
        }
        // After the source subscribed, so that on a stop it ends the stream with what it queued so far.
        streams.opened(stream, stream::close);
    }

    @Override
    public boolean send(String event, String data, String id) {
        if (!open.get()) {
            return false;
        }
        if (pending.addAndGet(data.length()) > MAX_PENDING_BYTES) {
            // The client stopped reading: end its stream rather than buffer for it without limit.
            log.debug("Closing the event stream of {}: {} bytes wait for a client that does not read",
                    exchange.getRelativePath(), pending.get());
            open.set(false);
            exchange.getIoThread().execute(() -> IoUtils.safeClose(connection));
            return false;
        }
        exchange.getIoThread().execute(() -> {
            if (connection.isOpen()) {
                connection.send(data, event, id, written);
            } else {
                pending.addAndGet(-data.length());
            }
        });
        return true;
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            exchange.getIoThread().execute(connection::shutdown);
        }
    }

    @Override
    public boolean isOpen() {
        return open.get() && !ended.get();
    }

    @Override
    public void onClose(Runnable action) {
        closeActions.add(action);
        if (ended.get() && closeActions.remove(action)) {
            action.run();
        }
    }

    private void ended() {
        open.set(false);
        if (ended.compareAndSet(false, true)) {
            for (Runnable action : closeActions) {
                if (closeActions.remove(action)) {
                    try {
                        action.run();
                    } catch (RuntimeException e) {
                        log.warn("Close action of an event stream failed", e);
                    }
                }
            }
        }
    }
}

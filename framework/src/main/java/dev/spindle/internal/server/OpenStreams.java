package dev.spindle.internal.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event streams and WebSocket sessions open now, each with what ends it when the server stops.
 * A stream has no end of its own: without this, {@code stop()} would wait out the whole grace period
 * for every client that keeps one open. Once {@link #endAll} has run, a stream that opens (its
 * request had started before the stop) is ended as soon as it is registered.
 *
 * <p><b>Threading:</b> any thread. {@link #opened} adds, then reads the flag; {@link #endAll} sets
 * the flag, then reads the streams: whichever comes second sees the other, and removing the entry
 * decides who runs its end, so every stream is ended exactly once.
 */
final class OpenStreams {

    private final Map<Object, Runnable> open = new ConcurrentHashMap<>();
    private volatile boolean ending;

    /** Registers {@code stream}, which {@code end} ends for a stop; ends it at once if the server is stopping. */
    void opened(Object stream, Runnable end) {
        open.put(stream, end);
        if (ending) {
            end(stream);
        }
    }

    /** The stream ended by itself (client gone, source closed it). */
    void closed(Object stream) {
        open.remove(stream);
    }

    /** Ends every open stream, and from now on every stream that opens. */
    void endAll() {
        ending = true;
        for (Object stream : open.keySet()) {
            end(stream);
        }
    }

    private void end(Object stream) {
        Runnable end = open.remove(stream);
        if (end != null) {
            end.run();
        }
    }
}

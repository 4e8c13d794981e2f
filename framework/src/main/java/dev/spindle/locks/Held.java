package dev.spindle.locks;

import java.util.List;

/**
 * Proof that the caller holds a lock, a read or write side, or a {@link Limiter} permit; closing it
 * releases what it holds. Every acquisition in this package returns one, so that
 * try-with-resources is the idiom, as Python's {@code with lock:} is:
 * <pre>{@code
 * try (var held = mutex.acquire()) {
 *     // at most one thread is here
 * }
 * }</pre>
 *
 * <p>{@link #close()} is idempotent: closing a handle a second time does nothing, so a handle may be
 * released early inside its {@code try} block. A handle of an owned lock ({@link Mutex},
 * {@link ReadWriteMutex}, {@link KeyedLocks}) must be closed by the thread that acquired it;
 * closing it from another thread throws {@link IllegalMonitorStateException} and releases nothing.
 * A {@link Limiter} permit has no owner and may be closed by any thread, once.
 */
public interface Held extends AutoCloseable {

    /** Releases what this handle holds; does nothing if it was already released. */
    @Override
    void close();

    /**
     * One handle for {@code handles}, taken in that order: closing it closes each, in reverse order,
     * once. How {@code KeyedLocks.acquireAll} and its PostgreSQL twin hand back the locks of several
     * keys, and how an app may hold, say, a {@link Mutex} and a {@link Limiter} permit together.
     */
    static Held all(List<? extends Held> handles) {
        return new AllHeld(List.copyOf(handles));
    }
}

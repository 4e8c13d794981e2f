package dev.spindle.internal.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which handlers hold the single handler thread or an IO thread right now, and since when, so the
 * overdue detector can find one that overstays together with its thread's stack.
 */
final class Occupancy {

    /** A handler holding a thread since {@code startNanos}. */
    static final class Occupant {
        final String uri;
        final Thread thread;
        final long startNanos;
        boolean reported;

        Occupant(String uri, Thread thread, long startNanos) {
            this.uri = uri;
            this.thread = thread;
            this.startNanos = startNanos;
        }
    }

    final String dispatcher;
    private final Map<Thread, Occupant> occupants = new ConcurrentHashMap<>();

    Occupancy(String dispatcher) {
        this.dispatcher = dispatcher;
    }

    void enter(String uri, long nowNanos) {
        Thread thread = Thread.currentThread();
        occupants.put(thread, new Occupant(uri, thread, nowNanos));
    }

    void leave() {
        occupants.remove(Thread.currentThread());
    }

    Iterable<Occupant> occupants() {
        return occupants.values();
    }
}

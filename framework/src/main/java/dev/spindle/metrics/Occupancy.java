package dev.spindle.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which routes hold a dispatcher's threads right now, so a request that waited can be attributed to
 * the route that made it wait, and an overdue handler can be found with its thread.
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
    final boolean watchedForOverdue;
    private final Map<Thread, Occupant> occupants = new ConcurrentHashMap<>();
    private volatile String lastReleasedBy;

    Occupancy(String dispatcher, boolean watchedForOverdue) {
        this.dispatcher = dispatcher;
        this.watchedForOverdue = watchedForOverdue;
    }

    void enter(String uri, long nowNanos) {
        Thread thread = Thread.currentThread();
        occupants.put(thread, new Occupant(uri, thread, nowNanos));
    }

    void leave(String uri) {
        occupants.remove(Thread.currentThread());
        lastReleasedBy = uri;
    }

    /**
     * The route a request that just got a thread waited behind: the oldest handler still holding one
     * of this dispatcher's threads, else the route whose handler released the thread it got.
     */
    String blocker() {
        Thread self = Thread.currentThread();
        Occupant oldest = null;
        for (Occupant occupant : occupants.values()) {
            if (occupant.thread != self && (oldest == null || occupant.startNanos - oldest.startNanos < 0)) {
                oldest = occupant;
            }
        }
        if (oldest != null) {
            return oldest.uri;
        }
        String released = lastReleasedBy;
        return released == null ? "UNKNOWN" : released;
    }

    Iterable<Occupant> occupants() {
        return occupants.values();
    }
}

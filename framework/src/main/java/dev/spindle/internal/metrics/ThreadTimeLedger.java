package dev.spindle.internal.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Running totals of the thread-time each route has held on one dispatcher that can queue, so a
 * request's wait is split among the routes that made it wait: {@link #snapshot} the totals when it
 * starts waiting, {@link #attribute} the difference when the wait ends. A route that starts or stops
 * holding threads partway through a wait counts for exactly the part it held them, and a route
 * holding two of eight threads for a second accrues two thread-seconds.
 *
 * <p>Who released the thread a request got says nothing about who made it wait: a fast route that
 * held the only thread for microseconds hands it over as often as the slow one it queued behind.
 *
 * <p><b>Threading:</b> {@link #enter}/{@link #leave} run on handler threads, the rest on IO and
 * handler threads; everything runs under one lock, held for at most one pass over the routes.
 * Times come from the caller's clock, so tests can drive them.
 */
final class ThreadTimeLedger {

    /** One route's holdings. Guarded by the ledger's lock. */
    private static final class Holder {
        final String uri;
        final int index;
        int threads;
        long accruedNanos;
        long updatedNanos;
        /** When the route's current (or last) uninterrupted spell of holding threads began: the tie-breaker. */
        long holdingSinceNanos;

        Holder(String uri, int index) {
            this.uri = uri;
            this.index = index;
        }

        void accrue(long now) {
            accruedNanos += threads * (now - updatedNanos);
            updatedNanos = now;
        }
    }

    /** A route's part of one wait: thread-time held during it, and the wait's seconds that fall to it. */
    record Share(String uri, long heldNanos, double waitNanos) {
    }

    /**
     * How one wait divides: {@code blocker} is the route with the largest share (a tie goes to the
     * route that has held its threads longest), or {@code null} if no route held a thread.
     */
    record Attribution(String blocker, List<Share> shares) {
        static final Attribution NONE = new Attribution(null, List.of());
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Holder> byUri = new HashMap<>();
    private final List<Holder> holders = new ArrayList<>();

    /** A handler of {@code uri} took a thread at {@code now}. */
    void enter(String uri, long now) {
        lock.lock();
        try {
            Holder holder = holder(uri, now);
            holder.accrue(now);
            if (holder.threads++ == 0) {
                holder.holdingSinceNanos = now;
            }
        } finally {
            lock.unlock();
        }
    }

    /** A handler of {@code uri} gave its thread back at {@code now}. */
    void leave(String uri, long now) {
        lock.lock();
        try {
            Holder holder = holder(uri, now);
            holder.accrue(now);
            holder.threads--;
        } finally {
            lock.unlock();
        }
    }

    /** Every route's thread-time so far, indexed by route, for a wait that starts at {@code now}. */
    long[] snapshot(long now) {
        lock.lock();
        try {
            long[] totals = new long[holders.size()];
            for (Holder holder : holders) {
                holder.accrue(now);
                totals[holder.index] = holder.accruedNanos;
            }
            return totals;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Splits a wait of {@code waitNanos} that began at {@code start} (a {@link #snapshot}) and ends at
     * {@code now} in proportion to the thread-time each route held in between.
     */
    Attribution attribute(long[] start, long now, long waitNanos) {
        lock.lock();
        try {
            List<Share> shares = new ArrayList<>(2);
            long total = 0;
            Holder top = null;
            long topHeld = 0;
            for (Holder holder : holders) {
                holder.accrue(now);
                long held = holder.accruedNanos - (holder.index < start.length ? start[holder.index] : 0);
                if (held <= 0) {
                    continue;
                }
                total += held;
                shares.add(new Share(holder.uri, held, 0));
                if (top == null || held > topHeld || (held == topHeld && heldLonger(holder, top))) {
                    top = holder;
                    topHeld = held;
                }
            }
            if (top == null) {
                return Attribution.NONE;
            }
            for (int i = 0; i < shares.size(); i++) {
                Share share = shares.get(i);
                shares.set(i, new Share(share.uri(), share.heldNanos(), (double) waitNanos * share.heldNanos() / total));
            }
            return new Attribution(top.uri, shares);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The route a request refused at this moment was blocked by: the one holding the most threads now
     * (a tie goes to the route that has held its threads longest), or {@code null} if none holds any.
     */
    String holdingMost() {
        lock.lock();
        try {
            Holder top = null;
            for (Holder holder : holders) {
                if (holder.threads > 0 && (top == null || holder.threads > top.threads
                        || (holder.threads == top.threads && heldLonger(holder, top)))) {
                    top = holder;
                }
            }
            return top == null ? null : top.uri;
        } finally {
            lock.unlock();
        }
    }

    private static boolean heldLonger(Holder candidate, Holder other) {
        return candidate.holdingSinceNanos - other.holdingSinceNanos < 0;
    }

    private Holder holder(String uri, long now) {
        Holder holder = byUri.get(uri);
        if (holder == null) {
            holder = new Holder(uri, holders.size());
            holder.updatedNanos = now;
            byUri.put(uri, holder);
            holders.add(holder);
        }
        return holder;
    }
}

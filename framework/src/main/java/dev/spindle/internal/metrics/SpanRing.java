package dev.spindle.internal.metrics;

import dev.spindle.metrics.RequestSpan;
import dev.spindle.metrics.RequestSpans;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The ring buffer behind {@link RequestSpans}: a writer claims a sequence number and stores its span
 * in slot {@code sequence % capacity}; a reader walks from its cursor to the newest claimed number,
 * skipping slots already overwritten by a newer lap and stopping at one not yet written.
 *
 * <p><b>Threading:</b> {@link #record} runs on IO threads as requests complete, lock-free;
 * {@link #recording} is one volatile read when a request arrives, the only cost while nobody subscribes.
 */
public final class SpanRing implements RequestSpans {

    private final AtomicReferenceArray<RequestSpan> slots;
    private final int mask;
    private final AtomicLong next = new AtomicLong();
    private final AtomicInteger subscribers = new AtomicInteger();
    private volatile boolean recording;
    private final long originNanos = System.nanoTime();
    private final long originEpochMillis = System.currentTimeMillis();

    /** A ring of {@code capacity} spans, rounded up to a power of two. */
    public SpanRing(int capacity) {
        if (capacity < 1 || capacity > 1 << 20) {
            throw new IllegalArgumentException("A span buffer holds 1 to 1048576 spans, not " + capacity);
        }
        int size = Integer.highestOneBit(capacity - 1) << 1;
        size = Math.max(1, size);
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    @Override
    public int capacity() {
        return slots.length();
    }

    @Override
    public long originEpochMillis() {
        return originEpochMillis;
    }

    @Override
    public long nowNanos() {
        return System.nanoTime() - originNanos;
    }

    @Override
    public boolean recording() {
        return recording;
    }

    /** Stores a span built with the sequence number it is given. */
    void record(SpanFactory factory) {
        long sequence = next.getAndIncrement();
        slots.set((int) (sequence & mask), factory.create(sequence));
    }

    /** Builds a span once its sequence number is known. */
    @FunctionalInterface
    interface SpanFactory {
        RequestSpan create(long sequence);
    }

    @Override
    public Subscription subscribe() {
        long head = next.get();
        Reader reader = new Reader(Math.max(0, head - slots.length()));
        subscribers.incrementAndGet();
        recording = true;
        return reader;
    }

    private void unsubscribed() {
        if (subscribers.decrementAndGet() == 0) {
            recording = false;
            if (subscribers.get() > 0) {
                recording = true;
            }
        }
    }

    private final class Reader implements Subscription {
        private final AtomicBoolean closed = new AtomicBoolean();
        /** Guards {@code cursor} and {@code missed} for a reader shared by threads; not a monitor, so no virtual thread pins. */
        private final ReentrantLock lock = new ReentrantLock();
        private long cursor;
        private long missed;

        Reader(long cursor) {
            this.cursor = cursor;
        }

        @Override
        public List<RequestSpan> poll() {
            lock.lock();
            try {
                return read();
            } finally {
                lock.unlock();
            }
        }

        private List<RequestSpan> read() {
            long head = next.get();
            List<RequestSpan> spans = new ArrayList<>((int) Math.min(64, head - cursor));
            if (head - cursor > slots.length()) {
                missed += head - slots.length() - cursor;
                cursor = head - slots.length();
            }
            while (cursor < head) {
                RequestSpan span = slots.get((int) (cursor & mask));
                if (span == null || span.sequence() < cursor) {
                    break; // claimed but not yet written: read it next time
                }
                if (span.sequence() > cursor) {
                    missed++; // overwritten by a later lap
                } else {
                    spans.add(span);
                }
                cursor++;
            }
            return spans;
        }

        @Override
        public long missed() {
            lock.lock();
            try {
                return missed;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                unsubscribed();
            }
        }
    }
}

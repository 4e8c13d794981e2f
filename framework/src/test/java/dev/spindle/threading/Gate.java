package dev.spindle.threading;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds handlers until a test releases them, and records what ran where: entry order, the
 * threads used and the highest number of handlers inside at once.
 */
final class Gate {

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger maxInside = new AtomicInteger();
    private final AtomicInteger entered = new AtomicInteger();
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Thread> threads = new CopyOnWriteArrayList<>();

    /** Called by a handler: records entry, blocks until {@link #open()}, records exit. */
    void pass(String who) throws InterruptedException {
        enter(who);
        try {
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
        } finally {
            exit(who);
        }
    }

    /** Called by a handler that does not block. */
    void touch(String who) {
        enter(who);
        exit(who);
    }

    private void enter(String who) {
        threads.add(Thread.currentThread());
        events.add("start " + who);
        int now = inside.incrementAndGet();
        maxInside.accumulateAndGet(now, Math::max);
        entered.incrementAndGet();
    }

    private void exit(String who) {
        inside.decrementAndGet();
        events.add("end " + who);
    }

    void open() {
        release.countDown();
    }

    int entered() {
        return entered.get();
    }

    int maxInside() {
        return maxInside.get();
    }
}

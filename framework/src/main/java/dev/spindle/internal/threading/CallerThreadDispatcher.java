package dev.spindle.internal.threading;

import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Runs each task inline on the calling IO thread: {@link ThreadingMode#nonBlocking()}. */
final class CallerThreadDispatcher implements Dispatcher {

    private final String name;
    private final ThreadingMode mode;
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder rejected = new LongAdder();
    private volatile boolean shutdown;

    CallerThreadDispatcher(String name, ThreadingMode mode) {
        this.name = name;
        this.mode = mode;
    }

    /** Its tasks run on the server's IO threads, which the server recognises itself. */
    @Override
    public boolean runsOn(Thread thread) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ThreadingMode mode() {
        return mode;
    }

    @Override
    public void execute(Task task) {
        if (shutdown) {
            rejected.increment();
            throw new RejectedExecutionException("Dispatcher '" + name + "' is shut down");
        }
        active.incrementAndGet();
        try {
            task.run();
        } finally {
            active.decrementAndGet();
        }
    }

    @Override
    public boolean withdraw(Task task) {
        return false;
    }

    @Override
    public int active() {
        return active.get();
    }

    @Override
    public int queued() {
        return 0;
    }

    @Override
    public int capacity() {
        return -1;
    }

    @Override
    public long rejected() {
        return rejected.sum();
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public boolean awaitTermination(Duration timeout) {
        return true;
    }

    @Override
    public void shutdownNow() {
        shutdown = true;
    }
}

package dev.spindle.threading;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed set of platform threads over a bounded queue: the single thread and the worker pool.
 *
 * <p>Admission is counted here, not left to the executor's queue: a {@code ThreadPoolExecutor} with
 * pre-started threads routes every task through its queue, so a burst could find a one-slot queue
 * full while workers sit idle. Counting {@code running + waiting <= threads + queue} admits exactly
 * what the mode promises.
 */
final class PoolDispatcher implements Dispatcher {

    private final String name;
    private final ThreadingMode mode;
    private final ThreadPoolExecutor executor;
    private final LongAdder rejected = new LongAdder();
    private final AtomicInteger admitted = new AtomicInteger();
    private final int threads;
    private final int limit;
    private final String fullMessage;

    PoolDispatcher(String name, ThreadingMode mode, int threads, int queue, ThreadFactory threadFactory) {
        this.name = name;
        this.mode = mode;
        this.threads = threads;
        this.limit = threads + queue;
        this.fullMessage = "Dispatcher '" + name + "' is full: " + threads + " threads busy, " + queue + " waiting";
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                threadFactory);
        executor.prestartAllCoreThreads();
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
    public void execute(Runnable task) {
        if (admitted.incrementAndGet() > limit) {
            admitted.decrementAndGet();
            rejected.increment();
            throw new RejectedExecutionException(fullMessage);
        }
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } finally {
                    admitted.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            admitted.decrementAndGet();
            rejected.increment();
            throw new RejectedExecutionException("Dispatcher '" + name + "' is shut down", e);
        }
    }

    @Override
    public int active() {
        return Math.min(admitted.get(), threads);
    }

    @Override
    public int queued() {
        return Math.max(0, admitted.get() - threads);
    }

    @Override
    public int capacity() {
        return executor.getMaximumPoolSize();
    }

    @Override
    public long rejected() {
        return rejected.sum();
    }

    @Override
    public void shutdown() {
        executor.shutdown();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdownNow() {
        executor.shutdownNow();
    }

    /** The underlying executor, for Micrometer's {@code ExecutorServiceMetrics}. */
    ThreadPoolExecutor executor() {
        return executor;
    }
}

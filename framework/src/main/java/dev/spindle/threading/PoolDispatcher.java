package dev.spindle.threading;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/** A fixed set of platform threads over a bounded queue: the single thread and the worker pool. */
final class PoolDispatcher implements Dispatcher {

    private final String name;
    private final ThreadingMode mode;
    private final ThreadPoolExecutor executor;
    private final LongAdder rejected = new LongAdder();

    PoolDispatcher(String name, ThreadingMode mode, int threads, int queue, ThreadFactory threadFactory) {
        this.name = name;
        this.mode = mode;
        BlockingQueue<Runnable> workQueue = queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue);
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, workQueue, threadFactory,
                (task, pool) -> {
                    rejected.increment();
                    throw new RejectedExecutionException(
                            "Dispatcher '" + name + "' is full: " + threads + " threads busy, " + queue + " waiting");
                });
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
        executor.execute(task);
    }

    @Override
    public int active() {
        return executor.getActiveCount();
    }

    @Override
    public int queued() {
        return executor.getQueue().size();
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

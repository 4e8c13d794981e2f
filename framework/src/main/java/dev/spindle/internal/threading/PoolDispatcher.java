package dev.spindle.internal.threading;

import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * what the mode promises, and the same increment tells whether the task must wait.
 */
final class PoolDispatcher implements Dispatcher {

    private final String name;
    private final ThreadingMode mode;
    private final Executor executor;
    private final LongAdder rejected = new LongAdder();
    private final AtomicInteger admitted = new AtomicInteger();
    private final int threads;
    private final int limit;
    private final String fullMessage;

    /** Every thread the executor made; a worker that died stays here, harmlessly: it runs nothing. */
    private final Set<Thread> workers = ConcurrentHashMap.newKeySet();

    PoolDispatcher(String name, ThreadingMode mode, int threads, int queue, ThreadFactory threadFactory) {
        this.name = name;
        this.mode = mode;
        this.threads = threads;
        this.limit = threads + queue;
        this.fullMessage = "Dispatcher '" + name + "' is full: " + threads + " threads busy, " + queue + " waiting";
        this.executor = new Executor(threads, runnable -> {
            Thread worker = threadFactory.newThread(runnable);
            workers.add(worker);
            return worker;
        });
        executor.prestartAllCoreThreads();
    }

    /** Releases a task's admission when it ends, so the task object itself sits in the queue and can be withdrawn. */
    private final class Executor extends ThreadPoolExecutor {
        Executor(int threads, ThreadFactory threadFactory) {
            super(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), threadFactory);
        }

        @Override
        protected void afterExecute(Runnable task, Throwable failure) {
            admitted.decrementAndGet();
        }
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
        int position = admitted.incrementAndGet();
        if (position > limit) {
            admitted.decrementAndGet();
            rejected.increment();
            throw new RejectedExecutionException(fullMessage);
        }
        if (position > threads) {
            task.queued();
        }
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            admitted.decrementAndGet();
            rejected.increment();
            throw new RejectedExecutionException("Dispatcher '" + name + "' is shut down", e);
        }
    }

    @Override
    public boolean refuseIfSaturated() {
        if (admitted.get() < limit && !executor.isShutdown()) {
            return false;
        }
        rejected.increment();
        return true;
    }

    @Override
    public boolean withdraw(Task task) {
        if (executor.remove(task)) {
            admitted.decrementAndGet();
            return true;
        }
        return false;
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
        return threads;
    }

    @Override
    public long rejected() {
        return rejected.sum();
    }

    @Override
    public void shutdown() {
        executor.shutdown();
        List<Runnable> waiting = new ArrayList<>();
        executor.getQueue().drainTo(waiting);
        refuseAll(waiting);
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public boolean runsOn(Thread thread) {
        return workers.contains(thread);
    }

    @Override
    public void shutdownNow() {
        refuseAll(executor.shutdownNow());
    }

    private void refuseAll(List<Runnable> waiting) {
        RejectedExecutionException why = new RejectedExecutionException("Dispatcher '" + name + "' is shutting down");
        for (Runnable task : waiting) {
            admitted.decrementAndGet();
            ((Task) task).refused(why);
        }
    }
}

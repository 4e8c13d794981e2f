package dev.spindle.internal.threading;

import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A new thread for every task (platform or virtual, by the factory), optionally at most
 * {@code maxConcurrent} at once with a bounded queue of waiting tasks. A queued task still gets a
 * fresh thread when a running one ends, so "thread per request" holds under a limit too.
 *
 * <p>Without a limit nothing can queue, so admission is one atomic increment and no lock is taken
 * per task; the lock guards the queue of a limited dispatcher, and waking whoever awaits termination.
 */
final class ThreadPerTaskDispatcher implements Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(ThreadPerTaskDispatcher.class);

    private final String name;
    private final ThreadingMode mode;
    private final int maxConcurrent;
    private final int queueCapacity;
    private final ThreadFactory threadFactory;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final ArrayDeque<Task> waiting = new ArrayDeque<>();
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final LongAdder rejected = new LongAdder();
    private final AtomicInteger admitted = new AtomicInteger();
    private volatile boolean shutdown;

    ThreadPerTaskDispatcher(String name, ThreadingMode mode, int maxConcurrent, int queueCapacity,
                            ThreadFactory threadFactory) {
        this.name = name;
        this.mode = mode;
        this.maxConcurrent = maxConcurrent;
        this.queueCapacity = queueCapacity;
        this.threadFactory = threadFactory;
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
        if (maxConcurrent == 0) {
            admitUnlimited();
        } else if (!admitOrQueue(task)) {
            return;
        }
        try {
            start(task);
        } catch (Throwable error) {
            startNextOrRelease();
            throw reject("could not start a thread: " + error);
        }
    }

    private void admitUnlimited() {
        if (shutdown) {
            throw reject("is shut down");
        }
        admitted.incrementAndGet();
        if (shutdown) {
            release();
            throw reject("is shut down");
        }
    }

    /** {@code true} if {@code task} may start now, {@code false} if it was queued. */
    private boolean admitOrQueue(Task task) {
        lock.lock();
        try {
            if (shutdown) {
                throw reject("is shut down");
            }
            if (admitted.get() >= maxConcurrent) {
                if (waiting.size() >= queueCapacity) {
                    throw reject("is full: " + maxConcurrent + " running, " + queueCapacity + " waiting");
                }
                task.queued();
                waiting.add(task);
                return false;
            }
            admitted.incrementAndGet();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean refuseIfSaturated() {
        boolean saturated = shutdown;
        if (!saturated && maxConcurrent > 0) {
            lock.lock();
            try {
                saturated = admitted.get() >= maxConcurrent && waiting.size() >= queueCapacity;
            } finally {
                lock.unlock();
            }
        }
        if (saturated) {
            rejected.increment();
        }
        return saturated;
    }

    @Override
    public boolean withdraw(Task task) {
        lock.lock();
        try {
            return waiting.remove(task);
        } finally {
            lock.unlock();
        }
    }

    private RejectedExecutionException reject(String why) {
        rejected.increment();
        return new RejectedExecutionException("Dispatcher '" + name + "' " + why);
    }

    private void start(Task task) {
        Thread thread = threadFactory.newThread(() -> {
            try {
                task.run();
            } finally {
                finished();
            }
        });
        running.add(thread);
        try {
            thread.start();
        } catch (Throwable error) {
            running.remove(thread);
            throw error;
        }
    }

    private void finished() {
        running.remove(Thread.currentThread());
        startNextOrRelease();
    }

    /**
     * Hands the slot of a task that ended (or never started) to the next waiting task, on a new
     * thread. A waiting task that cannot get one is refused at once rather than dropped, and the
     * slot goes on to the next.
     */
    private void startNextOrRelease() {
        if (maxConcurrent == 0) {
            release();
            return;
        }
        while (true) {
            Task next;
            lock.lock();
            try {
                next = waiting.poll();
                if (next == null) {
                    release();
                    return;
                }
            } finally {
                lock.unlock();
            }
            try {
                start(next);
                return;
            } catch (Throwable error) {
                log.error("Dispatcher '{}' could not start a thread for a queued request; refusing it", name, error);
                next.refused(reject("could not start a thread: " + error));
            }
        }
    }

    /** Gives a task's place back; the last one out wakes a stop waiting for termination. */
    private void release() {
        if (admitted.decrementAndGet() == 0 && shutdown) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public int active() {
        return admitted.get();
    }

    @Override
    public int queued() {
        if (maxConcurrent == 0) {
            return 0;
        }
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int capacity() {
        return maxConcurrent > 0 ? maxConcurrent : -1;
    }

    @Override
    public long rejected() {
        return rejected.sum();
    }

    @Override
    public void shutdown() {
        refuse(stopAccepting());
    }

    private List<Task> stopAccepting() {
        lock.lock();
        try {
            shutdown = true;
            List<Task> dropped = new ArrayList<>(waiting);
            waiting.clear();
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    private void refuse(List<Task> dropped) {
        RejectedExecutionException why = new RejectedExecutionException("Dispatcher '" + name + "' is shutting down");
        dropped.forEach(task -> task.refused(why));
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (admitted.get() > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = idle.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean runsOn(Thread thread) {
        return running.contains(thread);
    }

    @Override
    public void shutdownNow() {
        refuse(stopAccepting());
        running.forEach(Thread::interrupt);
    }
}

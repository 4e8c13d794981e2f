package dev.spindle.threading;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A new thread for every task (platform or virtual, by the factory), optionally at most
 * {@code maxConcurrent} at once with a bounded queue of waiting tasks. A queued task still gets a
 * fresh thread when a running one ends, so "thread per request" holds under a limit too.
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
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final LongAdder rejected = new LongAdder();
    private int admitted;
    private boolean shutdown;

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
    public void execute(Runnable task) {
        lock.lock();
        try {
            if (shutdown) {
                throw reject("is shut down");
            }
            if (maxConcurrent > 0 && admitted >= maxConcurrent) {
                if (waiting.size() >= queueCapacity) {
                    throw reject("is full: " + maxConcurrent + " running, " + queueCapacity + " waiting");
                }
                waiting.add(task);
                return;
            }
            admitted++;
        } finally {
            lock.unlock();
        }
        try {
            start(task);
        } catch (Throwable error) {
            released();
            throw reject("could not start a thread: " + error);
        }
    }

    private RejectedExecutionException reject(String why) {
        rejected.increment();
        return new RejectedExecutionException("Dispatcher '" + name + "' " + why);
    }

    private void start(Runnable task) {
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
        Runnable next;
        lock.lock();
        try {
            next = waiting.poll();
            if (next == null) {
                releaseLocked();
            }
        } finally {
            lock.unlock();
        }
        if (next != null) {
            try {
                start(next);
            } catch (Throwable error) {
                released();
                log.error("Dispatcher '{}' could not start a thread for a queued request; it is answered by its "
                        + "deadline or when the server stops", name, error);
            }
        }
    }

    private void released() {
        lock.lock();
        try {
            releaseLocked();
        } finally {
            lock.unlock();
        }
    }

    private void releaseLocked() {
        admitted--;
        if (admitted == 0) {
            idle.signalAll();
        }
    }

    @Override
    public int active() {
        lock.lock();
        try {
            return admitted;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int queued() {
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
        lock.lock();
        try {
            shutdown = true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (admitted > 0) {
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
    public void shutdownNow() {
        lock.lock();
        try {
            shutdown = true;
            waiting.clear();
        } finally {
            lock.unlock();
        }
        running.forEach(Thread::interrupt);
    }
}

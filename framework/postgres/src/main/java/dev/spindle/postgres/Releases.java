package dev.spindle.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an instance hears of the {@link PostgresLimiter} slots released on any instance: one
 * connection outside the pool that {@code LISTEN}s on {@value #CHANNEL}, read on a daemon thread
 * started by the first limiter that has to wait, reconnecting when it drops. A release that someone
 * waits for is notified with the limiter's namespace as payload; each namespace has a
 * {@link Signal} whose generation the notification advances, waking that limiter's waiters.
 *
 * <p>Whenever it (re)starts listening it advances every signal: a release while nobody listened
 * was not heard, so every waiter looks again.
 */
final class Releases implements AutoCloseable {

    /** The notification channel, database-wide as advisory locks are. */
    static final String CHANNEL = "spindle_locks";

    private static final Logger log = LoggerFactory.getLogger(Releases.class);
    private static final int POLL_MILLIS = 500;
    private static final long RECONNECT_MILLIS = 1_000;

    private final Postgres db;
    private final ConcurrentHashMap<Integer, Signal> signals = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition listeningChanged = lock.newCondition();
    /** Under {@link #lock}. */
    private Thread thread;
    /** Under {@link #lock}. */
    private boolean listening;
    private volatile boolean closed;
    private volatile Connection connection;

    Releases(Postgres db) {
        this.db = db;
    }

    /** The signal of one limiter's namespace, shared by every limiter of that name on this instance. */
    Signal signal(int namespace) {
        return signals.computeIfAbsent(namespace, unused -> new Signal());
    }

    /**
     * Starts listening if nobody has yet, and waits at most {@code nanos} until the {@code LISTEN} is
     * in effect: a release committed after this returns {@code true} is heard.
     *
     * @return whether it listens; if not (the database is unreachable, or it is closed), waiters
     *         rely on their fallback re-try
     * @throws InterruptedException if {@code interruptible} and interrupted while waiting
     */
    boolean listen(long nanos, boolean interruptible) throws InterruptedException {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            if (thread == null) {
                thread = Thread.ofPlatform().daemon().name("spindle-locks-listen").unstarted(this::run);
                thread.start();
            }
            long deadline = System.nanoTime() + nanos;
            boolean interrupted = false;
            try {
                while (!listening && !closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        listeningChanged.awaitNanos(left);
                    } catch (InterruptedException e) {
                        if (interruptible) {
                            throw e;
                        }
                        interrupted = true;
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return listening;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (!closed) {
            try (Connection listener = db.dedicatedConnection()) {
                connection = listener;
                if (closed) {
                    return;
                }
                try (Statement statement = listener.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                listening(true);
                signals.values().forEach(Signal::advance);
                PGConnection pg = listener.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            deliver(notification.getParameter());
                        }
                    }
                }
            } catch (SQLException e) {
                listening(false);
                if (closed) {
                    return;
                }
                log.warn("Listening for released lock slots failed ({}); waiters look again every so often meanwhile",
                        e.getMessage());
                try {
                    Thread.sleep(RECONNECT_MILLIS);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void listening(boolean now) {
        lock.lock();
        try {
            listening = now;
            listeningChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void deliver(String payload) {
        try {
            Signal signal = signals.get(Integer.parseInt(payload));
            if (signal != null) {
                signal.advance();
            }
        } catch (NumberFormatException e) {
            log.warn("A notification on {} that is not a limiter's namespace: {}", CHANNEL, payload);
        }
    }

    /** Stops listening: the connection is aborted, which ends the thread's read at once. */
    @Override
    public void close() {
        Thread started;
        lock.lock();
        try {
            closed = true;
            started = thread;
            listeningChanged.signalAll();
        } finally {
            lock.unlock();
        }
        if (started == null) {
            return;
        }
        Connection open = connection;
        if (open != null) {
            try {
                open.abort(Runnable::run);
            } catch (SQLException e) {
                log.debug("Aborting the lock listener's connection failed", e);
            }
        }
        try {
            started.join(POLL_MILLIS * 2L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A generation counter that notifications advance: a waiter reads it, looks for a free slot,
     * and if none waits until it moves, so a release between the look and the wait is never missed.
     */
    static final class Signal {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition advanced = lock.newCondition();
        /** Under {@link #lock}. */
        private long generation;

        long generation() {
            lock.lock();
            try {
                return generation;
            } finally {
                lock.unlock();
            }
        }

        void advance() {
            lock.lock();
            try {
                generation++;
                advanced.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /**
         * Waits until the generation is no longer {@code seen}, or {@code nanos} passed.
         *
         * @throws InterruptedException if {@code interruptible} and interrupted; otherwise an
         *         interrupt is kept in the thread's status
         */
        void await(long seen, long nanos, boolean interruptible) throws InterruptedException {
            lock.lock();
            boolean interrupted = false;
            try {
                long deadline = System.nanoTime() + nanos;
                while (generation == seen) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    try {
                        advanced.awaitNanos(left);
                    } catch (InterruptedException e) {
                        if (interruptible) {
                            throw e;
                        }
                        interrupted = true;
                    }
                }
            } finally {
                lock.unlock();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}

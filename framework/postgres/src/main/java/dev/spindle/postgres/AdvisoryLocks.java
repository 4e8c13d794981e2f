package dev.spindle.postgres;

import dev.spindle.locks.Held;
import dev.spindle.locks.LockTimeoutException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the cross-instance locks share: returning or evicting the connection that held a lock, and
 * the {@code spindle.lock.*} meters (the in-process locks' names and descriptions, so every lock kind
 * fits one metric family); for {@link PostgresKeyedLocks} and {@link PostgresLimiter} also lock ids
 * of the two-int advisory lock space.
 */
final class AdvisoryLocks {

    /** How long an interrupted waiter waits for its cancel to end the waiting statement before sending it again. */
    private static final long CANCEL_RETRY_MILLIS = 10;

    private final Postgres db;
    private final String name;
    private final Timer wait;
    private final Timer held;
    private final Counter timeouts;

    AdvisoryLocks(Postgres db, String name, MeterRegistry registry) {
        this.db = db;
        this.name = name;
        if (registry == null) {
            this.wait = null;
            this.held = null;
            this.timeouts = null;
        } else {
            this.wait = Timer.builder("spindle.lock.wait").description("Time from asking for a lock to getting it")
                    .tag("lock", name).register(registry);
            this.held = Timer.builder("spindle.lock.held").description("Time a lock was held, from acquisition to release")
                    .tag("lock", name).register(registry);
            this.timeouts = Counter.builder("spindle.lock.timeouts").description("Timed acquisitions that gave up")
                    .tag("lock", name).register(registry);
        }
    }

    /**
     * The first four bytes of the SHA-256 of {@code text}: the same on every instance and every JVM
     * (unlike {@code Object.hashCode}), and spread well enough that distinct texts rarely share one.
     */
    static int id(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return (digest[0] & 0xff) << 24 | (digest[1] & 0xff) << 16 | (digest[2] & 0xff) << 8 | (digest[3] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256", e);
        }
    }

    String name() {
        return name;
    }

    Connection borrow() {
        try {
            return uninterrupted(db::connection);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** As {@link #borrow()}, releasing the in-process holder {@code inProcess} if no connection can be had. */
    Connection borrow(Held inProcess) {
        try {
            return borrow();
        } catch (RuntimeException e) {
            inProcess.close();
            throw e;
        }
    }

    /** Binds the parameters of a statement that takes one advisory lock. */
    @FunctionalInterface
    interface Binding {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /**
     * Borrows a connection and takes a session advisory lock on it: first {@code trySql}, a
     * {@code pg_try_advisory_lock} that answers at once, on the calling thread; if another session
     * holds the lock, {@code sql}, the {@code pg_advisory_lock} that waits in PostgreSQL's queue, at
     * most {@code timeout} ({@code null}: as long as it takes) through {@code lock_timeout}.
     *
     * <p>The wait runs on a virtual thread of its own while the caller waits for it, so an interrupt
     * never reaches the waiting connection's socket: a virtual thread's interrupt closes a socket it
     * is blocked on, which fails the JDBC call while PostgreSQL, which does not read an idle socket
     * during a lock wait, keeps the session queued for the lock. If {@code interruptible}, an
     * interrupt cancels the wait with PostgreSQL's cancel request ({@link Statement#cancel()}, sent
     * on a connection of its own, so it needs no pooled connection), re-sent until the statement has
     * ended; otherwise the caller keeps waiting and its interrupt status is kept.
     *
     * <p>On any failure the connection is evicted and {@code inProcess} released. An interrupted
     * wait's connection is evicted too, after {@code pg_advisory_unlock_all()} in case the lock was
     * granted just before the cancel arrived: a cancel request is a signal that may land late, and
     * closing the session is the one outcome certain to leave no lock, no setting and no stray
     * cancel behind. It costs one reconnection per interrupt.
     *
     * @return the connection that now holds the lock
     * @throws LockTimeoutException when the timeout passed first
     * @throws InterruptedException if {@code interruptible} and interrupted while waiting; nothing is held
     */
    Connection lock(String trySql, String sql, Binding binding, Duration timeout, Held inProcess, boolean interruptible)
            throws InterruptedException {
        Connection borrowed = borrow(inProcess);
        try {
            boolean free = interruptible ? tried(borrowed, trySql, binding) : uninterrupted(() -> tried(borrowed, trySql, binding));
            if (!free) {
                await(borrowed, sql, binding, timeout, interruptible);
            }
            return borrowed;
        } catch (SQLException e) {
            giveBack(borrowed, true);
            inProcess.close();
            if ("55P03".equals(e.getSQLState())) {
                timedOut();
                throw new LockTimeoutException(name, timeout);
            }
            if (interruptible && Thread.interrupted()) {
                InterruptedException interrupted = new InterruptedException("Interrupted while taking " + name);
                interrupted.initCause(e);
                throw interrupted;
            }
            throw failed(e);
        } catch (InterruptedException | RuntimeException | Error e) {
            giveBack(borrowed, true);
            inProcess.close();
            throw e;
        }
    }

    /** As {@link #lock}, waiting as long as it takes whatever the interrupts; the interrupt status is kept. */
    Connection lockUninterruptibly(String trySql, String sql, Binding binding, Held inProcess) {
        try {
            return lock(trySql, sql, binding, null, inProcess, false);
        } catch (InterruptedException e) {
            throw new IllegalStateException("An uninterruptible wait for " + name + " was interrupted", e);
        }
    }

    /** The blocking statement, run on a thread of its own; see {@link #lock}. */
    private void await(Connection borrowed, String sql, Binding binding, Duration timeout, boolean interruptible)
            throws SQLException, InterruptedException {
        try (Statement setting = borrowed.createStatement();
             PreparedStatement waiting = borrowed.prepareStatement(sql)) {
            if (timeout != null) {
                setting.execute("SET lock_timeout = " + Math.max(1, timeout.toMillis()));
            }
            binding.bind(waiting);
            FutureTask<Void> wait = new FutureTask<>(() -> {
                waiting.execute();
                return null;
            });
            Thread.ofVirtual().name("spindle-lock-wait-" + name).start(wait);
            try {
                if (interruptible) {
                    wait.get();
                } else {
                    joinUninterruptibly(wait);
                }
            } catch (InterruptedException e) {
                cancel(borrowed, waiting, wait);
                throw e;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SQLException failure) {
                    throw failure;
                }
                throw new IllegalStateException("Waiting for " + name + " failed", e.getCause());
            }
            if (timeout != null) {
                setting.execute("RESET lock_timeout");
            }
        }
    }

    /**
     * Cancels the waiting statement until it has ended (a cancel sent before the statement reached
     * the server is ignored by it), then drops any advisory lock it was granted meanwhile.
     */
    private static void cancel(Connection borrowed, Statement waiting, Future<Void> wait) {
        while (!wait.isDone()) {
            try {
                waiting.cancel();
            } catch (SQLException e) {
                // The cancel request opens a connection of its own; the next round sends it again.
            }
            try {
                wait.get(CANCEL_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException | InterruptedException e) {
                // Still waiting, ended by the cancel, or interrupted again: the loop looks at the wait itself.
            }
        }
        if (wait.state() == Future.State.SUCCESS) {
            try (Statement unlock = borrowed.createStatement()) {
                unlock.execute("SELECT pg_advisory_unlock_all()");
            } catch (SQLException e) {
                // The connection is evicted next, which ends the session and its locks.
            }
        }
    }

    private static void joinUninterruptibly(Future<Void> wait) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    wait.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Borrows a connection and tries {@code sql}, a {@code pg_try_advisory_lock} that answers at once.
     * If the lock is taken, or on any failure, the connection goes back (evicted on failure) and
     * {@code inProcess} is released.
     *
     * @return the connection that now holds the lock, or {@code null} if another session holds it
     */
    Connection tryLock(String sql, Binding binding, Held inProcess) {
        Connection borrowed = borrow(inProcess);
        try {
            if (uninterrupted(() -> tried(borrowed, sql, binding))) {
                return borrowed;
            }
        } catch (SQLException e) {
            giveBack(borrowed, true);
            inProcess.close();
            throw failed(e);
        }
        giveBack(borrowed, false);
        inProcess.close();
        return null;
    }

    private static boolean tried(Connection borrowed, String sql, Binding binding) throws SQLException {
        try (PreparedStatement statement = borrowed.prepareStatement(sql)) {
            binding.bind(statement);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }

    /** Releases the session lock {@code (namespace, id)} and returns the connection, or evicts it if the unlock failed. */
    void unlock(Connection holding, int namespace, int id) {
        try {
            uninterrupted(() -> {
                try (PreparedStatement statement = holding.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
                    statement.setInt(1, namespace);
                    statement.setInt(2, id);
                    return statement.execute();
                }
            });
            giveBack(holding, false);
        } catch (SQLException e) {
            giveBack(holding, true);
        }
    }

    /** A timeout in nanoseconds: negative waits are zero, huge ones saturate. */
    static long nanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            return 0L;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** A JDBC call. */
    interface SqlCall<T> {
        T call() throws SQLException;
    }

    /**
     * Runs {@code call} with this thread's interrupt status cleared, and sets it again after: a call
     * that must not be interrupted (an uninterruptible acquisition, a try, a release, borrowing a
     * connection, which the pool may check with a round trip, and returning one). On a virtual
     * thread whose interrupt status is set, blocking socket I/O closes the socket, so the JDBC call
     * would fail and its connection, holding or about to hold a lock, would be lost. An interrupt that
     * arrives during the call still closes it; the caller then sees the failure as any other.
     */
    static <T> T uninterrupted(SqlCall<T> call) throws SQLException {
        boolean interrupted = Thread.interrupted();
        try {
            return call.call();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void giveBack(Connection borrowed, boolean evict) {
        try {
            if (evict) {
                db.evict(borrowed);
            } else {
                uninterrupted(() -> {
                    borrowed.close();
                    return null;
                });
            }
        } catch (SQLException e) {
            db.evict(borrowed);
        }
    }

    long startWait() {
        return System.nanoTime();
    }

    /** Records the wait that began at {@code start}; returns the acquisition time for {@link #released}. */
    long acquired(long start) {
        long now = System.nanoTime();
        if (wait != null) {
            wait.record(now - start, TimeUnit.NANOSECONDS);
        }
        return now;
    }

    void released(long acquiredAt) {
        if (held != null) {
            held.record(System.nanoTime() - acquiredAt, TimeUnit.NANOSECONDS);
        }
    }

    void timedOut() {
        if (timeouts != null) {
            timeouts.increment();
        }
    }

    static IllegalStateException failed(SQLException e) {
        return new IllegalStateException("The lock's database failed: " + e.getMessage(), e);
    }
}

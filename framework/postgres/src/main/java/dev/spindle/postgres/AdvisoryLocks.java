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
import java.util.concurrent.TimeUnit;

/**
 * What the cross-instance locks share: returning or evicting the connection that held a lock, and
 * the {@code spindle.lock.*} meters (the in-process locks' names and descriptions, so every lock kind
 * fits one metric family); for {@link PostgresKeyedLocks} and {@link PostgresLimiter} also lock ids
 * of the two-int advisory lock space.
 */
final class AdvisoryLocks {

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
            return db.connection();
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
     * Borrows a connection and takes a session advisory lock on it with {@code sql}, waiting at most
     * {@code timeout} ({@code null}: as long as it takes, through PostgreSQL's {@code lock_timeout}).
     * On any failure the connection is evicted and {@code inProcess} released.
     *
     * @return the connection that now holds the lock
     * @throws LockTimeoutException when the timeout passed first
     */
    Connection lock(String sql, Binding binding, Duration timeout, Held inProcess) {
        Connection borrowed = borrow(inProcess);
        try (Statement setting = borrowed.createStatement()) {
            if (timeout != null) {
                setting.execute("SET lock_timeout = " + Math.max(1, timeout.toMillis()));
            }
            try (PreparedStatement statement = borrowed.prepareStatement(sql)) {
                binding.bind(statement);
                statement.execute();
            }
            if (timeout != null) {
                setting.execute("RESET lock_timeout");
            }
        } catch (SQLException e) {
            giveBack(borrowed, true);
            inProcess.close();
            if ("55P03".equals(e.getSQLState())) {
                timedOut();
                throw new LockTimeoutException(name, timeout);
            }
            throw failed(e);
        }
        return borrowed;
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
        try (PreparedStatement statement = borrowed.prepareStatement(sql)) {
            binding.bind(statement);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                if (rows.getBoolean(1)) {
                    return borrowed;
                }
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

    /** Releases the session lock {@code (namespace, id)} and returns the connection, or evicts it if the unlock failed. */
    void unlock(Connection holding, int namespace, int id) {
        try (PreparedStatement statement = holding.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
            statement.setInt(1, namespace);
            statement.setInt(2, id);
            statement.execute();
            giveBack(holding, false);
        } catch (SQLException e) {
            giveBack(holding, true);
        }
    }

    void giveBack(Connection borrowed, boolean evict) {
        try {
            if (evict) {
                db.evict(borrowed);
            } else {
                borrowed.close();
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

package dev.spindle.postgres;

import dev.spindle.locks.Held;
import dev.spindle.locks.Limiter;
import dev.spindle.locks.LockTimeoutException;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Limiter} across every instance connected to one database: at most N callers of all
 * instances inside a section at once, the same methods and try-with-resources permits.
 * <pre>{@code
 * PostgresLimiter pdf = db.limiter("pdf-render", 4, registry);   // the renderer takes 4 at most, in all
 * try (var permit = pdf.acquire(Duration.ofSeconds(2))) {       // LockTimeoutException after 2 s
 *     return renderer.render(report);
 * }
 * }</pre>
 *
 * <h2>N permits as N lock slots</h2>
 * Permit {@code i} (0 to N - 1) is the session advisory lock {@code (namespace, i)}, {@code namespace}
 * being the first four bytes of the SHA-256 of {@code "spindle.limiter:" + name}; a caller holds a
 * permit while its session holds one slot. It looks for a free slot with {@code pg_try_advisory_lock},
 * slot by slot from a random one, and never blocks on PostgreSQL. Every instance must give the same
 * name the same N: instances that disagree admit the larger N among them.
 *
 * <h2>Waiting</h2>
 * A caller first takes a permit of an in-process {@link Limiter} of N, so one instance never holds
 * more than N slots nor more than N connections for this limiter, however many threads wait. A
 * caller with the in-process permit that finds every slot taken (by other instances) returns its
 * connection and sleeps before looking again, 1 ms the first time, doubling up to 50 ms, with
 * jitter: a slot freed on another instance is taken within about 50 ms, and no connection is held
 * while waiting. A slot freed on the same instance is handed over at once, with the in-process permit.
 *
 * <h2>Scope, timeouts, interruption, dead instances</h2>
 * Session-scoped, as {@link PostgresMutex}, and for the same reasons. {@link #acquire(Duration)}
 * bounds both waits together and throws {@link LockTimeoutException}; {@link #acquireInterruptibly()}
 * and {@link #acquire(Duration)} are interruptible in both waits; {@link #acquire()} in neither (it
 * keeps the interrupt status). A failed unlock evicts the connection; a dead instance's slots are
 * released when its connections close.
 *
 * <h2>No ownership, no re-entrancy</h2>
 * As {@link Limiter}: any thread may close a permit (once; later closes do nothing), and each
 * acquisition takes a permit of its own. Each held permit holds one pooled connection until it is
 * closed, so keep N below the instance's pool size.
 *
 * <h2>Metrics</h2>
 * {@code spindle.lock.wait} (both waits together), {@code spindle.lock.held} and
 * {@code spindle.lock.timeouts}, tagged {@code lock=}{@link #name()}, as for {@link Limiter}.
 *
 * <p><b>Threading:</b> safe for concurrent use.
 */
public final class PostgresLimiter {

    private static final long FIRST_PAUSE = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LONGEST_PAUSE = TimeUnit.MILLISECONDS.toNanos(50);

    private final AdvisoryLocks advisory;
    private final Postgres db;
    private final String name;
    private final int permits;
    private final int namespace;
    private final Limiter local;

    PostgresLimiter(Postgres db, String name, int permits, MeterRegistry registry) {
        this.name = Objects.requireNonNull(name, "name");
        if (permits < 1) {
            throw new IllegalArgumentException("A limiter needs at least 1 permit, was " + permits);
        }
        this.db = db;
        this.permits = permits;
        this.advisory = new AdvisoryLocks(db, name, registry);
        this.namespace = AdvisoryLocks.id("spindle.limiter:" + name);
        this.local = Limiter.create(name, permits);
    }

    /** Waits for a permit; interruption does not end the wait. */
    public Held acquire() {
        long start = advisory.startWait();
        Held inProcess = local.acquire();
        try {
            return slot(inProcess, start, null, false);
        } catch (InterruptedException e) {
            throw new IllegalStateException("An uninterruptible wait for " + name + " was interrupted", e);
        }
    }

    /**
     * Waits for a permit unless interrupted.
     *
     * @throws InterruptedException if interrupted before or while waiting; no permit is held
     */
    public Held acquireInterruptibly() throws InterruptedException {
        long start = advisory.startWait();
        Held inProcess = local.acquireInterruptibly();
        return slot(inProcess, start, null, true);
    }

    /**
     * Waits at most {@code timeout} for a permit, in-process and on PostgreSQL together.
     *
     * @throws LockTimeoutException if none was free in time
     * @throws InterruptedException if interrupted before or while waiting; no permit is held
     */
    public Held acquire(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        long start = advisory.startWait();
        Held inProcess;
        try {
            inProcess = local.acquire(timeout);
        } catch (LockTimeoutException e) {
            advisory.timedOut();
            throw e;
        }
        return slot(inProcess, start, timeout, true);
    }

    /** Takes a permit if one is free now on every instance's count, without waiting. */
    public Optional<Held> tryAcquire() {
        long start = advisory.startWait();
        Optional<Held> inProcess = local.tryAcquire();
        if (inProcess.isEmpty()) {
            return Optional.empty();
        }
        boolean taken = false;
        try {
            Held permit = take(inProcess.get(), start);
            taken = permit != null;
            return Optional.ofNullable(permit);
        } finally {
            if (!taken) {
                inProcess.get().close();
            }
        }
    }

    /**
     * Permits free now across all instances, read from {@code pg_locks}; for monitoring, since it may
     * change at once.
     *
     * @throws IllegalStateException if the database cannot be asked
     */
    public int available() {
        try (Connection connection = db.connection();
             PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                     + "AND granted AND objsubid = 2 AND classid::bigint = ? AND objid::bigint < ? "
                     + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
            statement.setLong(1, Integer.toUnsignedLong(namespace));
            statement.setLong(2, permits);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return permits - rows.getInt(1);
            }
        } catch (SQLException e) {
            throw AdvisoryLocks.failed(e);
        }
    }

    /** The number of callers admitted at once, across all instances. */
    public int capacity() {
        return permits;
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "PostgresLimiter[" + name + ", " + permits + " permits]";
    }

    /** The namespace, the first int of every slot of this limiter. */
    int namespace() {
        return namespace;
    }

    /** Takes a slot for the holder of an in-process permit, looking again until one is free; on failure gives the in-process permit back. */
    private Held slot(Held inProcess, long start, Duration timeout, boolean interruptible) throws InterruptedException {
        long deadline = timeout == null ? 0L : start + nanos(timeout);
        long pause = FIRST_PAUSE;
        boolean taken = false;
        try {
            while (true) {
                Held permit = take(inProcess, start);
                if (permit != null) {
                    taken = true;
                    return permit;
                }
                long sleep = ThreadLocalRandom.current().nextLong(pause / 2, pause + 1);
                if (timeout != null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        advisory.timedOut();
                        throw new LockTimeoutException(name, timeout);
                    }
                    sleep = Math.min(sleep, left);
                }
                if (interruptible) {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                } else {
                    sleepUninterruptibly(sleep);
                }
                pause = Math.min(pause * 2, LONGEST_PAUSE);
            }
        } finally {
            if (!taken) {
                inProcess.close();
            }
        }
    }

    /** One pass over the slots from a random one: a permit, or {@code null} with the connection given back. */
    private Held take(Held inProcess, long start) {
        Connection borrowed = advisory.borrow();
        try (PreparedStatement statement = borrowed.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            statement.setInt(1, namespace);
            int first = ThreadLocalRandom.current().nextInt(permits);
            for (int i = 0; i < permits; i++) {
                int slot = (first + i) % permits;
                statement.setInt(2, slot);
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    if (rows.getBoolean(1)) {
                        return new Permit(borrowed, slot, inProcess, advisory.acquired(start));
                    }
                }
            }
        } catch (SQLException e) {
            advisory.giveBack(borrowed, true);
            throw AdvisoryLocks.failed(e);
        }
        advisory.giveBack(borrowed, false);
        return null;
    }

    private static void sleepUninterruptibly(long nanos) {
        long until = System.nanoTime() + nanos;
        boolean interrupted = false;
        long left = nanos;
        while (left > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            left = until - System.nanoTime();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static long nanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0L;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** A held slot; closable once, from any thread. */
    private final class Permit implements Held {
        private final Connection connection;
        private final int slot;
        private final Held inProcess;
        private final long acquiredAt;
        private final AtomicBoolean released = new AtomicBoolean();

        Permit(Connection connection, int slot, Held inProcess, long acquiredAt) {
            this.connection = connection;
            this.slot = slot;
            this.inProcess = inProcess;
            this.acquiredAt = acquiredAt;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                advisory.unlock(connection, namespace, slot);
                inProcess.close();
                advisory.released(acquiredAt);
            }
        }
    }
}

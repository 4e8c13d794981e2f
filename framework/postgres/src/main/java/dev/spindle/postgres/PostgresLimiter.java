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
 * permit while its session holds one slot. It looks for a free slot with one statement that tries
 * {@code pg_try_advisory_lock} slot by slot from a random one and stops at the first it gets, so a
 * look is one round trip and never blocks on PostgreSQL. Every instance must give the same name the
 * same N: instances that disagree admit the larger N among them.
 *
 * <h2>Waiting: woken by the release, through LISTEN/NOTIFY</h2>
 * A caller first takes a permit of an in-process {@link Limiter} of N, so one instance never holds
 * more than N slots nor more than N connections for this limiter, however many threads wait; a
 * slot freed on the same instance is handed over at once, with the in-process permit. A caller with
 * the in-process permit that finds every slot taken (by other instances):
 * <ol>
 *   <li>makes sure this instance's one listening connection ({@link Postgres}) has run
 *       {@code LISTEN spindle_locks};</li>
 *   <li>marks that someone waits: its connection takes the shared advisory lock
 *       {@code (namespace, -1)}, which no slot uses;</li>
 *   <li>looks again, and if every slot is still taken, waits until a notification for this limiter
 *       arrives, then looks again, keeping its connection and the mark until it has a slot.</li>
 * </ol>
 * Releasing a slot is one statement that unlocks it and then, only if
 * {@code pg_try_advisory_xact_lock(namespace, -1)} finds the waiting mark held by someone,
 * {@code pg_notify('spindle_locks', namespace)}, committed without waiting for the WAL flush
 * ({@code synchronous_commit} off for that transaction: a notification needs no durability). So a
 * release nobody waits for costs no notification, and a waiter that marked before the release is
 * notified, while one that marked after it sees the slot free when it looks again. A waiter also
 * looks again every {@link #RECHECK} without a notification: the slots of a dead instance are freed
 * without one, and notifications sent while the listening connection was reconnecting are lost.
 *
 * <h2>Scope, timeouts, interruption, dead instances</h2>
 * Session-scoped, as {@link PostgresMutex}, and for the same reasons. {@link #acquire(Duration)}
 * bounds both waits together and throws {@link LockTimeoutException}; {@link #acquireInterruptibly()}
 * and {@link #acquire(Duration)} are interruptible in both waits; {@link #acquire()} in neither (it
 * keeps the interrupt status). A caller that gives up drops its mark and returns its connection. A
 * failed unlock evicts the connection; a dead instance's slots are released when its connections
 * close, and taken by the next look of a waiter.
 *
 * <h2>No ownership, no re-entrancy</h2>
 * As {@link Limiter}: any thread may close a permit (once; later closes do nothing), and each
 * acquisition takes a permit of its own. Each held permit, and each caller waiting with the
 * in-process permit, holds one pooled connection, at most N in all per instance: keep N below the
 * instance's pool size.
 *
 * <h2>Metrics</h2>
 * {@code spindle.lock.wait} (both waits together), {@code spindle.lock.held} and
 * {@code spindle.lock.timeouts}, tagged {@code lock=}{@link #name()}, as for {@link Limiter}.
 *
 * <p><b>Threading:</b> safe for concurrent use.
 */
public final class PostgresLimiter {

    /**
     * How often a waiter looks for a free slot when no notification came: a dead instance's slots
     * are freed without one, and notifications are lost while the listening connection reconnects.
     */
    public static final Duration RECHECK = Duration.ofMillis(500);

    private static final String SEARCH = "SELECT slot FROM (SELECT (g + ?) % ? AS slot FROM generate_series(0, ? - 1) AS g) "
            + "AS slots WHERE pg_try_advisory_lock(?, slot) LIMIT 1";
    private static final String MARK = "SELECT pg_advisory_lock_shared(?, -1)";
    private static final String UNMARK = "SELECT pg_advisory_unlock_shared(?, -1)";
    /** A CASE evaluates its branches in order: the slot is free before the mark is looked at. */
    private static final String RELEASE = "SELECT CASE WHEN NOT pg_advisory_unlock(?, ?) THEN false "
            + "WHEN pg_try_advisory_xact_lock(?, -1) THEN false "
            + "ELSE set_config('synchronous_commit', 'off', true) || pg_notify('" + Releases.CHANNEL + "', ?)::text IS NOT NULL END";

    private final AdvisoryLocks advisory;
    private final Postgres db;
    private final String name;
    private final int permits;
    private final int namespace;
    private final Limiter local;
    private final Releases releases;
    private final Releases.Signal released;
    private final long recheck;

    PostgresLimiter(Postgres db, String name, int permits, MeterRegistry registry, Duration recheck) {
        this.name = Objects.requireNonNull(name, "name");
        if (permits < 1) {
            throw new IllegalArgumentException("A limiter needs at least 1 permit, was " + permits);
        }
        this.db = db;
        this.permits = permits;
        this.advisory = new AdvisoryLocks(db, name, registry);
        this.namespace = AdvisoryLocks.id("spindle.limiter:" + name);
        this.local = Limiter.create(name, permits);
        this.releases = db.releases();
        this.released = releases.signal(namespace);
        this.recheck = recheck.toNanos();
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
        Connection borrowed = advisory.borrow(inProcess.get());
        int slot;
        try {
            slot = search(borrowed, false);
        } catch (SQLException e) {
            advisory.giveBack(borrowed, true);
            inProcess.get().close();
            throw AdvisoryLocks.failed(e);
        }
        if (slot < 0) {
            advisory.giveBack(borrowed, false);
            inProcess.get().close();
            return Optional.empty();
        }
        return Optional.of(new Permit(borrowed, slot, inProcess.get(), advisory.acquired(start)));
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

    /**
     * Takes a slot for the holder of an in-process permit, waiting for a release if none is free (see
     * the class comment); on failure gives the in-process permit back.
     */
    private Held slot(Held inProcess, long start, Duration timeout, boolean interruptible) throws InterruptedException {
        long deadline = timeout == null ? 0L : start + AdvisoryLocks.nanos(timeout);
        Connection borrowed = advisory.borrow(inProcess);
        boolean marked = false;
        boolean taken = false;
        try {
            int slot = search(borrowed, interruptible);
            if (slot < 0) {
                releases.listen(timeout == null ? recheck : Math.min(recheck, deadline - System.nanoTime()), interruptible);
                execute(borrowed, MARK, interruptible);
                marked = true;
                while (true) {
                    long seen = released.generation();
                    slot = search(borrowed, interruptible);
                    if (slot >= 0) {
                        break;
                    }
                    long wait = recheck;
                    if (timeout != null) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            advisory.timedOut();
                            throw new LockTimeoutException(name, timeout);
                        }
                        wait = Math.min(wait, left);
                    }
                    released.await(seen, wait, interruptible);
                }
                marked = false;
                execute(borrowed, UNMARK, interruptible);
            }
            taken = true;
            return new Permit(borrowed, slot, inProcess, advisory.acquired(start));
        } catch (SQLException e) {
            advisory.giveBack(borrowed, true);
            borrowed = null;
            if (interruptible && Thread.interrupted()) {
                InterruptedException interrupted = new InterruptedException("Interrupted while taking " + name);
                interrupted.initCause(e);
                throw interrupted;
            }
            throw AdvisoryLocks.failed(e);
        } finally {
            if (!taken) {
                if (borrowed != null) {
                    leave(borrowed, marked);
                }
                inProcess.close();
            }
        }
    }

    /**
     * One look over the slots from a random one, in one statement: the slot now held, or -1 if every
     * one is taken. Unless {@code interruptible}, with the interrupt status set aside for the call
     * ({@link AdvisoryLocks#uninterrupted}).
     */
    private int search(Connection borrowed, boolean interruptible) throws SQLException {
        return interruptible ? search(borrowed) : AdvisoryLocks.uninterrupted(() -> search(borrowed));
    }

    private int search(Connection borrowed) throws SQLException {
        try (PreparedStatement statement = borrowed.prepareStatement(SEARCH)) {
            statement.setInt(1, ThreadLocalRandom.current().nextInt(permits));
            statement.setInt(2, permits);
            statement.setInt(3, permits);
            statement.setInt(4, namespace);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getInt(1) : -1;
            }
        }
    }

    private void execute(Connection borrowed, String sql, boolean interruptible) throws SQLException {
        AdvisoryLocks.SqlCall<Boolean> call = () -> {
            try (PreparedStatement statement = borrowed.prepareStatement(sql)) {
                statement.setInt(1, namespace);
                return statement.execute();
            }
        };
        if (interruptible) {
            call.call();
        } else {
            AdvisoryLocks.uninterrupted(call);
        }
    }

    /** Gives back the connection of a caller that gave up, dropping its waiting mark first; evicts it if that fails. */
    private void leave(Connection borrowed, boolean marked) {
        if (marked) {
            try {
                execute(borrowed, UNMARK, false);
            } catch (SQLException e) {
                advisory.giveBack(borrowed, true);
                return;
            }
        }
        advisory.giveBack(borrowed, false);
    }

    /** Unlocks {@code slot}, notifying the waiters if any marked, and returns the connection (evicted if that failed). */
    private void release(Connection holding, int slot) {
        try {
            AdvisoryLocks.uninterrupted(() -> {
                try (PreparedStatement statement = holding.prepareStatement(RELEASE)) {
                    statement.setInt(1, namespace);
                    statement.setInt(2, slot);
                    statement.setInt(3, namespace);
                    statement.setString(4, Integer.toString(namespace));
                    return statement.execute();
                }
            });
            advisory.giveBack(holding, false);
        } catch (SQLException e) {
            advisory.giveBack(holding, true);
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
                release(connection, slot);
                inProcess.close();
                advisory.released(acquiredAt);
            }
        }
    }
}

package dev.spindle.postgres;

import dev.spindle.locks.Held;
import dev.spindle.locks.LockTimeoutException;
import dev.spindle.locks.Mutex;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Mutex} that holds across every instance connected to one database: the same methods and
 * try-with-resources handles, on a PostgreSQL session advisory lock
 * ({@code pg_advisory_lock(hashtextextended('spindle.mutex:' || name, 0))}).
 * <pre>{@code
 * PostgresMutex counter = db.mutex("counter");
 * try (var held = counter.acquire()) {
 *     // at most one thread of all instances is here
 * }
 * }</pre>
 *
 * <p><b>Waiters queue in-process first</b>: a thread waits for an in-process {@link Mutex} of the
 * same name, and only its holder borrows a pooled connection and waits for the advisory lock. One
 * connection per held lock, never one per waiter: 128 threads waiting on one instance use one
 * connection.
 *
 * <p><b>Session-scoped</b>, not transaction-scoped: the critical section need not be a transaction
 * (it may call another service, or run several transactions), and a transaction held open for the
 * whole section would pin old row versions from vacuum. The handle unlocks explicitly on close; if
 * that fails, the connection is evicted from the pool rather than returned with the lock. A lock
 * held by an instance that dies is released by PostgreSQL when its connection closes (the TCP
 * connection drops, or the server's {@code tcp_keepalives_*} notice the dead peer).
 *
 * <p><b>Waiting on PostgreSQL</b>: the holder of the in-process mutex first tries
 * {@code pg_try_advisory_lock} on its own thread, one round trip when no other instance holds the
 * mutex. If one does, it waits with {@code pg_advisory_lock} in PostgreSQL's queue (first come, first
 * served, no polling), on a virtual thread of its own while the caller waits for that thread:
 * <ul>
 *   <li>{@link #acquireInterruptibly()} and {@link #acquire(Duration)} are interruptible in both
 *       waits. An interrupt during the PostgreSQL wait cancels the statement with PostgreSQL's cancel
 *       request ({@code Statement.cancel()}, sent on a connection of its own), waits for the statement
 *       to end, and closes the waiting connection instead of returning it to the pool: no lock is
 *       held and no queued session is left behind when {@link InterruptedException} is thrown.</li>
 *   <li>{@link #acquire()} waits through interrupts and keeps the interrupt status. Because the
 *       wait's socket belongs to another thread, even a virtual thread's interrupt (which closes a
 *       socket it is blocked on) leaves the wait alone.</li>
 * </ul>
 * {@link #acquire(Duration)} bounds the PostgreSQL wait with {@code lock_timeout}.
 *
 * <p>Re-entrant for the holding thread, as {@link Mutex}. Meters: {@code spindle.lock.wait},
 * {@code spindle.lock.held} and {@code spindle.lock.timeouts} tagged {@code lock=name}, as for
 * in-process locks, the wait covering both queues.
 *
 * <p><b>Threading:</b> safe for concurrent use; handles must be closed by the thread that acquired them.
 */
public final class PostgresMutex {

    private static final String TRY_LOCK = "SELECT pg_try_advisory_lock(hashtextextended(?, 0))";
    private static final String LOCK = "SELECT pg_advisory_lock(hashtextextended(?, 0))";

    private final String name;
    private final String key;
    private final Mutex local;
    private final AdvisoryLocks advisory;
    /** The connection holding the advisory lock, and how many handles the holding thread has: touched only under {@link #local}. */
    private Connection connection;
    private int depth;

    PostgresMutex(Postgres db, String name, String namespace, MeterRegistry registry) {
        this.name = Objects.requireNonNull(name, "name");
        this.key = namespace + name;
        this.local = Mutex.create(name);
        this.advisory = new AdvisoryLocks(db, name, registry);
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    /** Waits until no thread of any instance holds the mutex, and takes it; interruption does not end the wait. */
    public Held acquire() {
        long start = advisory.startWait();
        Held inProcess = local.acquire();
        if (depth > 0) {
            return handle(inProcess, start);
        }
        connection = advisory.lockUninterruptibly(TRY_LOCK, LOCK, this::bind, inProcess);
        return handle(inProcess, start);
    }

    /**
     * As {@link #acquire()}, but interruptible while waiting, in-process and on PostgreSQL.
     *
     * @throws InterruptedException if interrupted before or while waiting; the mutex is not held
     */
    public Held acquireInterruptibly() throws InterruptedException {
        long start = advisory.startWait();
        Held inProcess = local.acquireInterruptibly();
        return across(inProcess, start, null);
    }

    /**
     * Waits at most {@code timeout}, in-process and on PostgreSQL together.
     *
     * @throws LockTimeoutException if the mutex was not free within {@code timeout}
     * @throws InterruptedException if interrupted before or while waiting; the mutex is not held
     */
    public Held acquire(Duration timeout) throws InterruptedException {
        long start = advisory.startWait();
        Held inProcess;
        try {
            inProcess = local.acquire(timeout);
        } catch (LockTimeoutException e) {
            advisory.timedOut();
            throw e;
        }
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        return across(inProcess, start, left.isNegative() ? Duration.ZERO : left);
    }

    /** Takes the mutex if no thread of any instance holds it now, without waiting. */
    public Optional<Held> tryAcquire() {
        long start = advisory.startWait();
        Optional<Held> inProcess = local.tryAcquire();
        if (inProcess.isEmpty()) {
            return Optional.empty();
        }
        if (depth > 0) {
            return Optional.of(handle(inProcess.get(), start));
        }
        Connection borrowed = advisory.tryLock(TRY_LOCK, this::bind, inProcess.get());
        if (borrowed == null) {
            return Optional.empty();
        }
        connection = borrowed;
        return Optional.of(handle(inProcess.get(), start));
    }

    /** Whether the calling thread holds this mutex. */
    public boolean isHeldByCurrentThread() {
        return local.isHeldByCurrentThread();
    }

    @Override
    public String toString() {
        return "PostgresMutex[" + name + "]";
    }

    /** Takes the advisory lock for the in-process holder, unless this thread holds it already; interruptible. */
    private Held across(Held inProcess, long start, Duration timeout) throws InterruptedException {
        if (depth > 0) {
            return handle(inProcess, start);
        }
        connection = advisory.lock(TRY_LOCK, LOCK, this::bind, timeout, inProcess, true);
        return handle(inProcess, start);
    }

    private void bind(PreparedStatement statement) throws SQLException {
        statement.setString(1, key);
    }

    private Held handle(Held inProcess, long start) {
        long acquiredAt = advisory.acquired(start);
        depth++;
        return new Held() {
            private boolean released;

            @Override
            public void close() {
                if (released) {
                    return;
                }
                if (!local.isHeldByCurrentThread()) {
                    throw new IllegalMonitorStateException("Only the thread that acquired " + name + " may release it");
                }
                released = true;
                if (--depth == 0) {
                    unlock();
                }
                inProcess.close();
                advisory.released(acquiredAt);
            }
        };
    }

    /** Releases the advisory lock and returns the connection, or evicts it if the unlock failed. */
    private void unlock() {
        Connection holding = connection;
        connection = null;
        try {
            AdvisoryLocks.uninterrupted(() -> {
                try (PreparedStatement statement = holding.prepareStatement("SELECT pg_advisory_unlock(hashtextextended(?, 0))")) {
                    statement.setString(1, key);
                    return statement.execute();
                }
            });
            advisory.giveBack(holding, false);
        } catch (SQLException e) {
            advisory.giveBack(holding, true);
        }
    }
}

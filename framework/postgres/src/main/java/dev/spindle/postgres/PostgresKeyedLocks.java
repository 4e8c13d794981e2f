package dev.spindle.postgres;

import dev.spindle.locks.Held;
import dev.spindle.locks.KeyedLocks;
import dev.spindle.locks.LockTimeoutException;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link KeyedLocks} that hold across every instance connected to one database: one lock per key,
 * the same methods and try-with-resources handles, on PostgreSQL session advisory locks.
 * <pre>{@code
 * PostgresKeyedLocks<String> accounts = db.keyedLocks("accounts", registry);
 * try (var held = accounts.acquire(accountId)) {       // other accounts are not blocked
 *     balances.debit(accountId, amount);               // one thread of all instances per account
 * }
 * }</pre>
 *
 * <h2>Keys and lock ids</h2>
 * A key's lock is {@code pg_advisory_lock(namespace, id)}, the two-int form: {@code namespace} is
 * the first four bytes of the SHA-256 of {@code "spindle.keyed:" + name}, {@code id} those of the
 * key's {@code toString()}. Equal keys must therefore have equal {@code toString()} on every instance,
 * as {@code String}, numbers, {@code UUID}, enums and records of them do. In {@code pg_locks} the
 * lock shows as {@code locktype = 'advisory'}, {@code classid = namespace}, {@code objid = id},
 * {@code objsubid = 2} (the one-bigint form of {@link PostgresMutex} is a separate space).
 *
 * <p><b>Collisions</b>: two distinct keys whose ids are equal (about one pair in 2<sup>32</sup>)
 * share one lock, on every instance alike. That costs contention, never correctness: holding one
 * blocks the other, and since the in-process queue is kept per id too, a thread holding one holds
 * the other re-entrantly, and {@link #acquireAll} takes them once. {@link #isHeldByCurrentThread}
 * and {@link #activeKeys()} see ids, not keys.
 *
 * <h2>Waiters queue in-process first</h2>
 * A thread first waits for the in-process lock of the key's id ({@link KeyedLocks}); only that
 * lock's holder borrows a pooled connection and waits for the advisory lock. One connection per
 * held key, never one per waiter. Each key held holds one pooled connection until released.
 *
 * <h2>Several keys</h2>
 * {@link #acquireAll} takes keys in ascending id order, one global order on every instance, so two
 * callers asking for the same keys cannot deadlock; the keys' own order plays no part. A thread
 * holding some keys should take further keys only through one {@code acquireAll} that includes them
 * all. (A cycle of waits entirely on PostgreSQL is broken by its deadlock detector, which fails one
 * waiter; a cycle through in-process waits is not.)
 *
 * <h2>Scope, timeouts, interruption, dead instances</h2>
 * As {@link PostgresMutex}: session-scoped; a key free on PostgreSQL costs one
 * {@code pg_try_advisory_lock}, a held one is waited for in PostgreSQL's queue on a thread of its
 * own; the timed variants wait in-process and then with {@code lock_timeout} on PostgreSQL, together
 * at most the timeout, and throw {@link LockTimeoutException}; {@link #acquireInterruptibly},
 * {@link #acquire(Object, Duration)} and {@link #acquireAll(Duration, Collection)} are
 * interruptible in both waits (the PostgreSQL wait is cancelled and its connection closed, so
 * nothing is held or queued after {@link InterruptedException}), {@link #acquire(Object)} and
 * {@link #acquireAll(Object[])} in neither; a failed unlock evicts the connection; a dead
 * instance's locks go with its connections.
 *
 * <h2>Metrics</h2>
 * {@code spindle.lock.wait}, {@code spindle.lock.held}, {@code spindle.lock.timeouts}, tagged
 * {@code lock=}{@link #name()} (never the key), one sample per key acquired.
 *
 * <p><b>Threading:</b> safe for concurrent use; handles must be closed by the thread that acquired them.
 *
 * @param <K> the key type
 */
public final class PostgresKeyedLocks<K> {

    private static final String TRY_LOCK = "SELECT pg_try_advisory_lock(?, ?)";
    private static final String LOCK = "SELECT pg_advisory_lock(?, ?)";

    private final AdvisoryLocks advisory;
    private final String name;
    private final int namespace;
    private final KeyedLocks<Integer> local;
    /** The session holding each id's advisory lock: an entry is touched only by the holder of that id's in-process lock. */
    private final ConcurrentHashMap<Integer, Session> sessions = new ConcurrentHashMap<>();

    PostgresKeyedLocks(Postgres db, String name, MeterRegistry registry) {
        this.name = Objects.requireNonNull(name, "name");
        this.advisory = new AdvisoryLocks(db, name, registry);
        this.namespace = AdvisoryLocks.id("spindle.keyed:" + name);
        this.local = KeyedLocks.create(name);
    }

    /** Waits until no thread of any instance holds {@code key}'s lock, and takes it; interruption does not end the wait. */
    public Held acquire(K key) {
        long start = advisory.startWait();
        int id = id(key);
        return acrossUninterruptibly(id, local.acquire(id), start);
    }

    /**
     * As {@link #acquire(Object)}, but interruptible while waiting, in-process and on PostgreSQL.
     *
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     */
    public Held acquireInterruptibly(K key) throws InterruptedException {
        long start = advisory.startWait();
        int id = id(key);
        return across(id, local.acquireInterruptibly(id), start, null);
    }

    /**
     * Waits at most {@code timeout} for {@code key}'s lock, in-process and on PostgreSQL together.
     *
     * @throws LockTimeoutException if it was not free in time; nothing is held
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     */
    public Held acquire(K key, Duration timeout) throws InterruptedException {
        return acquireId(id(key), timeout);
    }

    /** Takes {@code key}'s lock if no thread of any instance holds it now (or this thread does), without waiting. */
    public Optional<Held> tryAcquire(K key) {
        long start = advisory.startWait();
        int id = id(key);
        Optional<Held> inProcess = local.tryAcquire(id);
        if (inProcess.isEmpty()) {
            return Optional.empty();
        }
        Session session = sessions.get(id);
        if (session != null) {
            return Optional.of(handle(id, session, inProcess.get(), start));
        }
        Connection borrowed = advisory.tryLock(TRY_LOCK, binding(id), inProcess.get());
        if (borrowed == null) {
            return Optional.empty();
        }
        return Optional.of(hold(id, borrowed, inProcess.get(), start));
    }

    /**
     * Takes the locks of all {@code keys} in ascending id order, waiting as long as it takes;
     * interruption does not end the wait. Keys sharing an id are taken once. The returned handle
     * releases them all, in reverse order.
     */
    @SafeVarargs
    public final Held acquireAll(K... keys) {
        return acquireAll(Arrays.asList(keys));
    }

    /** As {@link #acquireAll(Object[])}, for a collection of keys. */
    public Held acquireAll(Collection<? extends K> keys) {
        List<Held> taken = new ArrayList<>();
        try {
            for (int id : ids(keys)) {
                long start = advisory.startWait();
                taken.add(acrossUninterruptibly(id, local.acquire(id), start));
            }
        } catch (RuntimeException | Error e) {
            Held.all(taken).close();
            throw e;
        }
        return Held.all(taken);
    }

    /**
     * Takes the locks of all {@code keys} in ascending id order within {@code timeout} in total; on
     * timeout or interruption releases the ones already taken.
     *
     * @throws LockTimeoutException if not all were taken in time; nothing is held
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     */
    public Held acquireAll(Duration timeout, Collection<? extends K> keys) throws InterruptedException {
        long deadline = System.nanoTime() + AdvisoryLocks.nanos(timeout);
        List<Held> taken = new ArrayList<>();
        boolean complete = false;
        try {
            for (int id : ids(keys)) {
                taken.add(acquireId(id, Duration.ofNanos(Math.max(0L, deadline - System.nanoTime()))));
            }
            complete = true;
        } catch (LockTimeoutException e) {
            throw new LockTimeoutException(name, timeout);
        } finally {
            if (!complete) {
                Held.all(taken).close();
            }
        }
        return Held.all(taken);
    }

    /** Whether the calling thread holds {@code key}'s lock (or that of a key sharing its id). */
    public boolean isHeldByCurrentThread(K key) {
        return local.isHeldByCurrentThread(id(key));
    }

    /** How many ids are held or awaited by threads of this instance now; other instances are not counted. */
    public int activeKeys() {
        return local.activeKeys();
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "PostgresKeyedLocks[" + name + ", activeKeys=" + local.activeKeys() + "]";
    }

    /** The namespace, the first int of every lock of this set. */
    int namespace() {
        return namespace;
    }

    /** The second int of {@code key}'s lock. */
    int id(K key) {
        return AdvisoryLocks.id(String.valueOf(Objects.requireNonNull(key, "key")));
    }

    private Held acquireId(int id, Duration timeout) throws InterruptedException {
        long start = advisory.startWait();
        Held inProcess;
        try {
            inProcess = local.acquire(id, timeout);
        } catch (LockTimeoutException e) {
            advisory.timedOut();
            throw e;
        }
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        return across(id, inProcess, start, left.isNegative() ? Duration.ZERO : left);
    }

    /** Takes the advisory lock for the in-process holder of {@code id}, unless this thread holds it already; interruptible. */
    private Held across(int id, Held inProcess, long start, Duration timeout) throws InterruptedException {
        Session session = sessions.get(id);
        if (session != null) {
            return handle(id, session, inProcess, start);
        }
        return hold(id, advisory.lock(TRY_LOCK, LOCK, binding(id), timeout, inProcess, true), inProcess, start);
    }

    /** As {@link #across}, waiting through interrupts. */
    private Held acrossUninterruptibly(int id, Held inProcess, long start) {
        Session session = sessions.get(id);
        if (session != null) {
            return handle(id, session, inProcess, start);
        }
        return hold(id, advisory.lockUninterruptibly(TRY_LOCK, LOCK, binding(id), inProcess), inProcess, start);
    }

    private AdvisoryLocks.Binding binding(int id) {
        return statement -> {
            statement.setInt(1, namespace);
            statement.setInt(2, id);
        };
    }

    private Held hold(int id, Connection connection, Held inProcess, long start) {
        Session session = new Session(connection);
        sessions.put(id, session);
        return handle(id, session, inProcess, start);
    }

    private Held handle(int id, Session session, Held inProcess, long start) {
        long acquiredAt = advisory.acquired(start);
        session.depth++;
        return new Held() {
            private boolean released;

            @Override
            public void close() {
                if (released) {
                    return;
                }
                if (!local.isHeldByCurrentThread(id)) {
                    throw new IllegalMonitorStateException("Only the thread that acquired a key of " + name + " may release it");
                }
                released = true;
                if (--session.depth == 0) {
                    sessions.remove(id);
                    advisory.unlock(session.connection, namespace, id);
                }
                inProcess.close();
                advisory.released(acquiredAt);
            }
        };
    }

    private TreeSet<Integer> ids(Collection<? extends K> keys) {
        TreeSet<Integer> ids = new TreeSet<>();
        for (K key : keys) {
            ids.add(id(key));
        }
        return ids;
    }

    /** The connection holding one id's advisory lock and the holding thread's handles on it. */
    private static final class Session {
        final Connection connection;
        int depth;

        Session(Connection connection) {
            this.connection = connection;
        }
    }
}

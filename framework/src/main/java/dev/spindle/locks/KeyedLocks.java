package dev.spindle.locks;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One mutex per key, created on first use and forgotten as soon as nobody holds or awaits it. The
 * usage idiom:
 * <pre>{@code
 * private final KeyedLocks<String> accounts = KeyedLocks.create("accounts");
 *
 * try (var held = accounts.acquire(accountId)) {    // other accounts are not blocked
 *     balances.debit(accountId, amount);
 * }
 * }</pre>
 * Several keys at once, always in one global order, so that two callers asking for the same keys in
 * opposite orders cannot deadlock:
 * <pre>{@code
 * try (var held = accounts.acquireAll(from, to)) {  // same as acquireAll(to, from)
 *     balances.transfer(from, to, amount);
 * }
 * }</pre>
 * The order is the keys' natural order ({@link #create(String)}) or a given {@link Comparator}
 * ({@link #builder(String, Comparator)}); it must be consistent with {@code equals}.
 *
 * <h2>Memory</h2>
 * A key's lock exists only while some thread holds or awaits it: the last release removes it, so a
 * stream of distinct keys (user ids, order numbers) does not accumulate locks.
 * {@link #activeKeys()} counts the keys that currently have one. Keys are compared with
 * {@code equals}/{@code hashCode} and must not change while in use.
 *
 * <h2>Memory synchronization</h2>
 * Per key, as {@link Mutex}: releasing a key's lock <i>happens-before</i> the next acquisition of
 * the same key, including when the lock object was reclaimed in between (the hand-over goes through
 * a {@link ConcurrentHashMap} update of that key). Different keys give no ordering to each other.
 *
 * <h2>Interruption and timeouts</h2>
 * As {@link Mutex}: {@link #acquire(Object)} ignores interruption; {@link #acquireInterruptibly(Object)}
 * and the timed variants throw {@link InterruptedException}; the timed ones throw
 * {@link LockTimeoutException} (naming this lock set, never the key) when the wait runs out. For
 * {@link #acquireAll(Duration, Collection)} the timeout bounds the whole acquisition; when it
 * fails, every key taken so far is released before the exception is thrown.
 *
 * <h2>Re-entrancy</h2>
 * Each key's lock is re-entrant; {@code acquireAll} may include keys this thread already holds. To
 * stay deadlock-free, a thread holding some keys should take further keys only through one
 * {@code acquireAll} call that includes them all, or in the global order.
 *
 * <h2>Virtual threads</h2>
 * Waiting parks, as {@link Mutex} does. Looking a key's lock up and reclaiming it updates the
 * {@link ConcurrentHashMap}, which briefly locks a hash bin with a monitor for a few instructions;
 * no code that can block ever runs inside it.
 *
 * <h2>Metrics</h2>
 * As {@link Mutex}, one sample per key acquired, tag {@code lock=}{@link #name()} (never the key:
 * keys are unbounded, tags must not be). A timed {@code acquireAll} that gives up has still held,
 * and records, the keys it took before the deadline.
 *
 * @param <K> the key type
 */
public final class KeyedLocks<K> {

    private final String name;
    private final Comparator<? super K> order;
    private final boolean fair;
    private final LockMeters meters;
    private final ConcurrentHashMap<K, Entry> entries = new ConcurrentHashMap<>();

    private KeyedLocks(Builder<K> builder) {
        this.name = builder.name;
        this.order = builder.order;
        this.fair = builder.fair;
        this.meters = LockMeters.of(builder.registry, builder.name);
    }

    /** Non-fair, uninstrumented keyed locks named {@code name}, ordering keys naturally for {@link #acquireAll}. */
    public static <K extends Comparable<? super K>> KeyedLocks<K> create(String name) {
        return KeyedLocks.<K>builder(name).build();
    }

    /** A builder for keyed locks named {@code name} whose keys are ordered naturally. */
    public static <K extends Comparable<? super K>> Builder<K> builder(String name) {
        return new Builder<>(name, Comparator.<K>naturalOrder());
    }

    /** A builder for keyed locks named {@code name} whose keys {@link #acquireAll} takes in {@code order}. */
    public static <K> Builder<K> builder(String name, Comparator<? super K> order) {
        return new Builder<>(name, Objects.requireNonNull(order, "order"));
    }

    /** Waits until {@code key}'s lock is free and takes it; interruption does not end the wait. */
    public Held acquire(K key) {
        Entry entry = retain(key);
        try {
            return new KeyHandle(key, entry, Acquisition.uninterruptibly(entry.lock, meters));
        } catch (RuntimeException | Error e) {
            release(key, entry);
            throw e;
        }
    }

    /**
     * Takes {@code key}'s lock unless interrupted.
     *
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     */
    public Held acquireInterruptibly(K key) throws InterruptedException {
        Entry entry = retain(key);
        boolean acquired = false;
        try {
            Held held = new KeyHandle(key, entry, Acquisition.interruptibly(entry.lock, meters));
            acquired = true;
            return held;
        } finally {
            if (!acquired) {
                release(key, entry);
            }
        }
    }

    /**
     * Waits at most {@code timeout} for {@code key}'s lock.
     *
     * @throws LockTimeoutException if it was not free in time; nothing is held
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     */
    public Held acquire(K key, Duration timeout) throws InterruptedException {
        Entry entry = retain(key);
        boolean acquired = false;
        try {
            Held held = new KeyHandle(key, entry, Acquisition.within(entry.lock, timeout, meters, name));
            acquired = true;
            return held;
        } finally {
            if (!acquired) {
                release(key, entry);
            }
        }
    }

    /** Takes {@code key}'s lock if it is free now (or held by this thread), without waiting. */
    public Optional<Held> tryAcquire(K key) {
        Entry entry = retain(key);
        long start = meters.startWait();
        if (!entry.lock.tryLock()) {
            release(key, entry);
            return Optional.empty();
        }
        return Optional.of(new KeyHandle(key, entry, meters.acquired(start)));
    }

    /**
     * Takes the locks of all {@code keys} in the global order, waiting as long as it takes;
     * interruption does not end the wait. Duplicate keys are taken once. The returned handle
     * releases them all, in reverse order.
     *
     * @throws IllegalArgumentException if two keys are unequal but the order ranks them the same
     */
    @SafeVarargs
    public final Held acquireAll(K... keys) {
        return acquireAll(Arrays.asList(keys));
    }

    /** As {@link #acquireAll(Object[])}, for a collection of keys. */
    public Held acquireAll(Collection<? extends K> keys) {
        List<K> sorted = inOrder(keys);
        List<Held> taken = new ArrayList<>(sorted.size());
        try {
            for (K key : sorted) {
                taken.add(acquire(key));
            }
        } catch (RuntimeException | Error e) {
            Held.all(taken).close();
            throw e;
        }
        return Held.all(taken);
    }

    /**
     * Takes the locks of all {@code keys} in the global order within {@code timeout} in total;
     * on timeout or interruption releases the ones already taken.
     *
     * @throws LockTimeoutException if not all were taken in time; nothing is held
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     * @throws IllegalArgumentException if two keys are unequal but the order ranks them the same
     */
    public Held acquireAll(Duration timeout, Collection<? extends K> keys) throws InterruptedException {
        long deadline = System.nanoTime() + Acquisition.nanos(timeout);
        List<K> sorted = inOrder(keys);
        List<Held> taken = new ArrayList<>(sorted.size());
        boolean complete = false;
        try {
            for (K key : sorted) {
                taken.add(acquire(key, Duration.ofNanos(Math.max(0L, deadline - System.nanoTime()))));
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

    /** Whether the calling thread holds {@code key}'s lock. */
    public boolean isHeldByCurrentThread(K key) {
        Entry entry = entries.get(key);
        return entry != null && entry.lock.isHeldByCurrentThread();
    }

    /** How many keys have a lock now, that is, are held or awaited by some thread. */
    public int activeKeys() {
        return entries.size();
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "KeyedLocks[" + name + ", activeKeys=" + entries.size() + "]";
    }

    /** Finds or creates the key's entry and counts this thread as its user, in one atomic step. */
    private Entry retain(K key) {
        Objects.requireNonNull(key, "key");
        return entries.compute(key, (k, existing) -> {
            Entry entry = existing == null ? new Entry(fair) : existing;
            entry.users++;
            return entry;
        });
    }

    /** Uncounts a user; the last one removes the entry, in the same atomic step. */
    private void release(K key, Entry entry) {
        entries.computeIfPresent(key, (k, existing) -> {
            if (existing != entry) {
                throw new IllegalStateException("Keyed lock entry of '" + name + "' replaced while in use");
            }
            return --existing.users == 0 ? null : existing;
        });
    }

    private List<K> inOrder(Collection<? extends K> keys) {
        List<K> sorted = new ArrayList<>(keys);
        for (K key : sorted) {
            Objects.requireNonNull(key, "key");
        }
        sorted.sort(order);
        List<K> distinct = new ArrayList<>(sorted.size());
        for (K key : sorted) {
            if (!distinct.isEmpty()) {
                K previous = distinct.getLast();
                if (order.compare(previous, key) == 0) {
                    if (previous.equals(key)) {
                        continue;
                    }
                    throw new IllegalArgumentException("Keys " + previous + " and " + key + " of '" + name
                            + "' are unequal but rank the same in the lock order: the order must be consistent with equals");
                }
            }
            distinct.add(key);
        }
        return distinct;
    }

    /** A key's lock and the number of threads holding or awaiting it; {@code users} changes only inside the map's atomic updates. */
    private static final class Entry {
        final ReentrantLock lock;
        int users;

        Entry(boolean fair) {
            this.lock = new ReentrantLock(fair);
        }
    }

    private final class KeyHandle extends LockHandle {
        private final K key;
        private final Entry entry;

        KeyHandle(K key, Entry entry, long acquiredAt) {
            super(entry.lock, meters, acquiredAt);
            this.key = key;
            this.entry = entry;
        }

        @Override
        void afterRelease() {
            release(key, entry);
        }
    }

    /**
     * Settings of {@link KeyedLocks}; not thread-safe, build on one thread.
     *
     * @param <K> the key type
     */
    public static final class Builder<K> {
        private final String name;
        private final Comparator<? super K> order;
        private boolean fair;
        private MeterRegistry registry;

        private Builder(String name, Comparator<? super K> order) {
            this.name = Objects.requireNonNull(name, "name");
            this.order = order;
        }

        /** Grant each key's lock in arrival order (default {@code false}). */
        public Builder<K> fair(boolean fair) {
            this.fair = fair;
            return this;
        }

        /** Record {@code spindle.lock.*} meters in {@code registry}; {@code null} (the default) records nothing. */
        public Builder<K> meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        public KeyedLocks<K> build() {
            return new KeyedLocks<>(this);
        }
    }
}

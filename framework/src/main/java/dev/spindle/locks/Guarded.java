package dev.spindle.locks;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A value that can only be reached while holding its lock: the lock and the data it protects
 * cannot drift apart, because there is no way to touch the value without going through the lock.
 * The usage idiom, for an immutable value:
 * <pre>{@code
 * private final Guarded<Long> hits = Guarded.of("hits", 0L);
 *
 * hits.update(n -> n + 1);                     // read-modify-write, atomically
 * long now = hits.get();                       // a snapshot
 * boolean big = hits.read(n -> n > 1_000);     // anything derived, under the lock
 * }</pre>
 * For a mutable value, give a copy function, so that {@link #get()} hands out copies and the
 * original never leaves the lock:
 * <pre>{@code
 * private final Guarded<Map<String, Integer>> stock =
 *         Guarded.builder("stock", (Map<String, Integer>) new HashMap<String, Integer>())
 *                .snapshot(Map::copyOf)
 *                .build();
 *
 * stock.mutate(m -> m.merge(sku, -1, Integer::sum));
 * int left = stock.read(m -> m.getOrDefault(sku, 0));
 * Map<String, Integer> copy = stock.get();     // an immutable copy, safe to keep
 * }</pre>
 *
 * <h2>No leaks by accident</h2>
 * {@link #get()} and {@link #update} return the value passed through the snapshot function (the
 * identity for {@link #of immutable values}). {@link #read} refuses, with an
 * {@link IllegalStateException}, to return the guarded value itself when a snapshot function was
 * given, so {@code stock.read(m -> m)} fails instead of leaking the map. A function can still smuggle
 * the value out on purpose (store it in a field, return a view of it); don't.
 *
 * <h2>Memory synchronization</h2>
 * Every access runs while holding a {@link Mutex}: a change made in {@link #update} or
 * {@link #mutate} <i>happens-before</i> every later access, so the value needs no {@code volatile}.
 *
 * <h2>Interruption, timeouts, re-entrancy</h2>
 * Accesses wait for the lock uninterruptibly and without a timeout, as {@link Mutex#acquire()}; keep
 * the functions short and never block inside them. The lock is re-entrant: a function may call
 * another method of the same {@code Guarded}.
 *
 * <h2>Metrics</h2>
 * As {@link Mutex}, tag {@code lock=}{@link #name()}; nothing without a registry.
 *
 * @param <T> the value's type
 */
public final class Guarded<T> {

    private final Mutex mutex;
    private final UnaryOperator<T> snapshot;
    private T value;

    private Guarded(Builder<T> builder) {
        this.mutex = Mutex.builder(builder.name).fair(builder.fair).meterRegistry(builder.registry).build();
        this.snapshot = builder.snapshot;
        this.value = builder.initial;
    }

    /** Guards an immutable value ({@code Long}, {@code String}, a record of immutables, {@code List.of(…)}). */
    public static <T> Guarded<T> of(String name, T initial) {
        return builder(name, initial).build();
    }

    /** A builder for a guarded value named {@code name} starting at {@code initial}. */
    public static <T> Builder<T> builder(String name, T initial) {
        return new Builder<>(name, initial);
    }

    /** The current value, through the snapshot function: the value itself if immutable, else a copy. */
    public T get() {
        try (var held = mutex.acquire()) {
            return copy(value);
        }
    }

    /**
     * Applies {@code reader} to the value under the lock and returns its result, which must not be
     * the value itself when the value is mutable.
     *
     * @throws IllegalStateException if a snapshot function was given and {@code reader} returned the value itself
     */
    public <R> R read(Function<? super T, ? extends R> reader) {
        Objects.requireNonNull(reader, "reader");
        try (var held = mutex.acquire()) {
            R result = reader.apply(value);
            if (snapshot != null && result != null && result == value) {
                throw new IllegalStateException("read() of '" + mutex.name() + "' returned the guarded mutable value itself,"
                        + " which would let it escape its lock: return something derived from it, or call get() for a copy");
            }
            return result;
        }
    }

    /**
     * Replaces the value with {@code updater}'s result, atomically with respect to every other access.
     *
     * @return the new value, through the snapshot function
     */
    public T update(UnaryOperator<T> updater) {
        Objects.requireNonNull(updater, "updater");
        try (var held = mutex.acquire()) {
            value = updater.apply(value);
            return copy(value);
        }
    }

    /** Changes a mutable value in place under the lock. */
    public void mutate(Consumer<? super T> mutation) {
        Objects.requireNonNull(mutation, "mutation");
        try (var held = mutex.acquire()) {
            mutation.accept(value);
        }
    }

    /** The name given at creation. */
    public String name() {
        return mutex.name();
    }

    @Override
    public String toString() {
        return "Guarded[" + mutex.name() + "]";
    }

    private T copy(T current) {
        return snapshot == null ? current : snapshot.apply(current);
    }

    /**
     * Settings of a {@link Guarded} value; not thread-safe, build on one thread.
     *
     * @param <T> the value's type
     */
    public static final class Builder<T> {
        private final String name;
        private final T initial;
        private UnaryOperator<T> snapshot;
        private boolean fair;
        private MeterRegistry registry;

        private Builder(String name, T initial) {
            this.name = Objects.requireNonNull(name, "name");
            this.initial = initial;
        }

        /**
         * Declares the value mutable: {@link Guarded#get()} and {@link Guarded#update} return
         * {@code copy}'s result instead of the value, and {@link Guarded#read} refuses to return the value.
         */
        public Builder<T> snapshot(UnaryOperator<T> copy) {
            this.snapshot = Objects.requireNonNull(copy, "copy");
            return this;
        }

        /** Grant the lock in arrival order (default {@code false}). */
        public Builder<T> fair(boolean fair) {
            this.fair = fair;
            return this;
        }

        /** Record {@code spindle.lock.*} meters in {@code registry}; {@code null} (the default) records nothing. */
        public Builder<T> meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        public Guarded<T> build() {
            return new Guarded<>(this);
        }
    }
}

package dev.spindle.locks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one named lock, or {@link #NONE}. Without a registry no clock is read, no meter
 * exists and nothing is allocated: {@code NONE}'s methods are empty and return constants.
 */
class LockMeters {

    static final String WAIT = "spindle.lock.wait";
    static final String HELD = "spindle.lock.held";
    static final String TIMEOUTS = "spindle.lock.timeouts";
    static final String TAG = "lock";

    static final LockMeters NONE = new LockMeters();

    private LockMeters() {
    }

    /**
     * The meters of the lock {@code name} in {@code registry}, or {@link #NONE} for no registry. Locks
     * sharing a name share meters (Micrometer returns the registered ones); only the {@code lock} tag
     * varies, so every lock kind fits the same Prometheus metric family.
     */
    static LockMeters of(MeterRegistry registry, String name) {
        return registry == null ? NONE : new Instrumented(registry, name);
    }

    /** The start of a wait: a clock reading, or 0 without meters. */
    long startWait() {
        return 0L;
    }

    /** Records the wait that began at {@code waitStart}; returns the acquisition time for {@link #released}. */
    long acquired(long waitStart) {
        return 0L;
    }

    /** Records how long a handle acquired at {@code acquiredAt} was held. */
    void released(long acquiredAt) {
    }

    /** Counts a timed acquisition that gave up. */
    void timedOut() {
    }

    private static final class Instrumented extends LockMeters {
        private final Timer wait;
        private final Timer held;
        private final Counter timeouts;

        Instrumented(MeterRegistry registry, String name) {
            wait = Timer.builder(WAIT)
                    .description("Time from asking for a lock to getting it")
                    .tag(TAG, name)
                    .register(registry);
            held = Timer.builder(HELD)
                    .description("Time a lock was held, from acquisition to release")
                    .tag(TAG, name)
                    .register(registry);
            timeouts = Counter.builder(TIMEOUTS)
                    .description("Timed acquisitions that gave up")
                    .tag(TAG, name)
                    .register(registry);
        }

        @Override
        long startWait() {
            return System.nanoTime();
        }

        @Override
        long acquired(long waitStart) {
            long now = System.nanoTime();
            wait.record(now - waitStart, TimeUnit.NANOSECONDS);
            return now;
        }

        @Override
        void released(long acquiredAt) {
            held.record(System.nanoTime() - acquiredAt, TimeUnit.NANOSECONDS);
        }

        @Override
        void timedOut() {
            timeouts.increment();
        }
    }
}

package dev.spindle.internal.server;

import dev.spindle.internal.threading.Dispatchers;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Begins, once per JVM and on a daemon thread, the slowest part of a server's start that depends
 * on no app: the JVM's platform MBean server, with which XNIO registers its provider and workers
 * when the first server starts. Creating it registers every platform MXBean (JFR's among them) and
 * took a cold JVM about 0.3 s, on the way to the first request. Begun when the first app is
 * created, it runs beside the app's route declarations and meter set-up; the server's start then
 * finds it ready, or waits for it as it would have (the JDK creates it under a lock). Raw Undertow
 * pays the same 0.3 s, in its start (docs/benchmarks.md, "Startup and memory").
 */
public final class ServerWarmUp {

    private static final AtomicBoolean BEGUN = new AtomicBoolean();

    private ServerWarmUp() {
    }

    /** Starts the warm-up thread unless an earlier call did; returns at once. */
    public static void begin() {
        if (BEGUN.compareAndSet(false, true)) {
            Dispatchers.daemonThreads("warm-up").newThread(ManagementFactory::getPlatformMBeanServer).start();
        }
    }
}

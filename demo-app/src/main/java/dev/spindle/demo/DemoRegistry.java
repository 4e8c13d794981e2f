package dev.spindle.demo;

import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.java21.instrument.binder.jdk.VirtualThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The demo's Prometheus registry: every meter tagged with the mode, and the JVM's thread meters
 * ({@link JvmThreadMetrics}, and with {@code virtualThreadMetrics} {@link VirtualThreadMetrics})
 * bound by the first scrape, before it is written, rather than at start.
 *
 * <p>Why at the first scrape: {@code VirtualThreadMetrics} counts pinned virtual threads from a JFR
 * event stream, and starting JFR costs a cold JVM about 0.4 s and 15 MB of tracing buffers, which
 * every start of the demo paid before it could answer ({@code docs/benchmarks.md}, "Startup and
 * memory"). Every other JVM thread meter is read from an MXBean when scraped, so it shows the same
 * whenever it is bound; the pinning timer counts pinned episodes from the first scrape on. A
 * scraper's (or bench's) first request to {@code /metrics} starts it, and takes the longer.
 *
 * <p><b>Threading:</b> scrapes run on the IO thread ({@code /metrics} is non-blocking) and may run
 * concurrently; the first to arrive binds the meters under a lock while the others wait for it.
 * Binding blocks only on class loading and JFR's start, never on a request.
 */
final class DemoRegistry extends PrometheusMeterRegistry {

    private final boolean virtualThreadMetrics;
    private final ReentrantLock binding = new ReentrantLock();
    private volatile boolean bound;
    private VirtualThreadMetrics virtualThreads;

    /**
     * @param mode                 the {@code mode} tag on every meter
     * @param virtualThreadMetrics whether the first scrape also starts {@link VirtualThreadMetrics}'
     *                             JFR stream, which lives until {@link #close()}
     */
    DemoRegistry(String mode, boolean virtualThreadMetrics) {
        super(PrometheusConfig.DEFAULT);
        this.virtualThreadMetrics = virtualThreadMetrics;
        config().commonTags("mode", mode);
    }

    /** Whether the JVM thread meters are bound yet (the first scrape binds them). */
    boolean jvmMetersBound() {
        return bound;
    }

    private void bindJvmMeters() {
        if (bound) {
            return;
        }
        binding.lock();
        try {
            if (!bound) {
                new JvmThreadMetrics().bindTo(this);
                if (virtualThreadMetrics) {
                    virtualThreads = new VirtualThreadMetrics();
                    virtualThreads.bindTo(this);
                }
                bound = true;
            }
        } finally {
            binding.unlock();
        }
    }

    @Override
    public String scrape() {
        bindJvmMeters();
        return super.scrape();
    }

    @Override
    public String scrape(String contentType) {
        bindJvmMeters();
        return super.scrape(contentType);
    }

    @Override
    public String scrape(String contentType, Set<String> includedNames) {
        bindJvmMeters();
        return super.scrape(contentType, includedNames);
    }

    @Override
    public void scrape(OutputStream out) throws IOException {
        bindJvmMeters();
        super.scrape(out);
    }

    @Override
    public void scrape(OutputStream out, String contentType) throws IOException {
        bindJvmMeters();
        super.scrape(out, contentType);
    }

    @Override
    public void scrape(OutputStream out, String contentType, Set<String> includedNames) throws IOException {
        bindJvmMeters();
        super.scrape(out, contentType, includedNames);
    }

    /** Closes the registry and, if the first scrape started it, the JFR stream. */
    @Override
    public void close() {
        binding.lock();
        try {
            if (virtualThreads != null) {
                virtualThreads.close();
            }
        } finally {
            binding.unlock();
        }
        super.close();
    }
}

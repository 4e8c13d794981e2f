package dev.spindle;

import dev.spindle.internal.Checks;
import dev.spindle.internal.server.ServerOptions;
import dev.spindle.json.JsonMapper;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An app's settings, given once in {@link Spindle#create(java.util.function.Consumer)}:
 * <pre>{@code
 * Spindle.create(config -> config
 *         .threading(ThreadingMode.workerPool(16, 100))
 *         .maxBodySize(256 * 1024)
 *         .requestTimeout(Duration.ofSeconds(10)));
 * }</pre>
 * Every setting has a default chosen for a small service; see the getters.
 */
public final class SpindleConfig {

    private ThreadingMode threading;
    private String host = "127.0.0.1";
    private int port = 8080;
    private int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    private long maxBodySize = 1024 * 1024;
    private Duration requestTimeout;
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private JsonMapper json;
    private MeterRegistry meterRegistry;
    private ObservationRegistry observationRegistry;
    private Duration blockedThreshold = Duration.ofMillis(5);
    private Duration overdueThreshold = Duration.ofSeconds(1);
    private Limits limits = Limits.defaults();
    private final List<ServerOptions.StaticMount> staticFiles = new ArrayList<>();

    SpindleConfig() {
    }

    /**
     * The app's threading mode. Default: {@code -Dspindle.mode} or {@code SPINDLE_MODE} if set,
     * otherwise {@link ThreadingMode#virtualThreads()}.
     */
    public SpindleConfig threading(ThreadingMode mode) {
        this.threading = Objects.requireNonNull(mode);
        return this;
    }

    /** The address to bind. Default {@code 127.0.0.1} (like Flask); use {@code 0.0.0.0} to accept remote clients. */
    public SpindleConfig host(String host) {
        this.host = Objects.requireNonNull(host);
        return this;
    }

    /** The port {@link Spindle#start()} binds. Default 8080; 0 picks a free port. */
    public SpindleConfig port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Not a port: " + port);
        }
        this.port = port;
        return this;
    }

    /** Undertow IO threads: they parse requests and write responses. Default: the number of cores, at least 2. */
    public SpindleConfig ioThreads(int ioThreads) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be at least 1, was " + ioThreads);
        }
        this.ioThreads = ioThreads;
        return this;
    }

    /**
     * The largest request body in bytes; a larger one gets 413 before it is read. 0 accepts no body
     * at all. Default 1 MiB; at most {@code Integer.MAX_VALUE}, since a body is held as one array.
     */
    public SpindleConfig maxBodySize(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxBodySize must not be negative, was " + bytes);
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxBodySize can be at most " + Integer.MAX_VALUE
                    + " bytes, was " + bytes + ": a body is held in memory as one array; for larger uploads "
                    + "declare a route with streamingBody(maxBytes)");
        }
        this.maxBodySize = bytes;
        return this;
    }

    /** A deadline for every route that declares none: past it the client gets 503 and the handler is interrupted. Default: none. */
    public SpindleConfig requestTimeout(Duration timeout) {
        this.requestTimeout = Checks.positive("requestTimeout", timeout);
        return this;
    }

    /** How long {@link Spindle#stop()} lets in-flight requests finish. Default 10 s. */
    public SpindleConfig shutdownGrace(Duration grace) {
        this.shutdownGrace = Checks.notNegative("shutdownGrace", grace);
        return this;
    }

    /** The JSON mapper for {@code bodyAs} and returned objects. Default {@link JsonMapper#jackson()}. */
    public SpindleConfig json(JsonMapper json) {
        this.json = Objects.requireNonNull(json);
        return this;
    }

    /**
     * Records Spindle's meters ({@code docs/metrics.md}) in {@code registry}. Default: none, and
     * then metrics cost nothing.
     */
    public SpindleConfig meterRegistry(MeterRegistry registry) {
        this.meterRegistry = Objects.requireNonNull(registry);
        return this;
    }

    /**
     * Also reports each request as an {@code http.server.requests} observation (for tracing
     * bridges); the request timer then comes from the registry's observation handlers. Needs
     * {@link #meterRegistry}.
     */
    public SpindleConfig observationRegistry(ObservationRegistry registry) {
        this.observationRegistry = Objects.requireNonNull(registry);
        return this;
    }

    /** The queue wait from which a request counts in {@code spindle.request.blocked}. Default 5 ms. */
    public SpindleConfig blockedThreshold(Duration threshold) {
        this.blockedThreshold = Checks.notNegative("blockedThreshold", threshold);
        return this;
    }

    /**
     * How long a handler may hold the single handler thread or an IO thread before one warning
     * (with its stack) is logged and {@code spindle.handler.overdue} counts it. Default 1 s; zero
     * turns the detector off. Active when a meter registry is configured.
     */
    public SpindleConfig overdueThreshold(Duration threshold) {
        this.overdueThreshold = Checks.notNegative("overdueThreshold", threshold);
        return this;
    }

    /** Bounds on request headers, parameters and cookies, and the slow-client timeouts. */
    public SpindleConfig limits(Limits limits) {
        this.limits = Objects.requireNonNull(limits);
        return this;
    }

    /**
     * Serves files from {@code directory} under {@code urlPrefix}, with ETag, Last-Modified, Range and
     * content types; paths cannot leave the directory ({@code ..}, encoded dots, symlinks out).
     */
    public SpindleConfig staticFiles(String urlPrefix, Path directory) {
        staticFiles.add(new ServerOptions.StaticMount(checkPrefix(urlPrefix), directory.toString(), false));
        return this;
    }

    /**
     * Serves classpath resources under {@code folder} (e.g. {@code public}) at {@code urlPrefix}.
     *
     * @throws IllegalArgumentException if {@code folder} is the classpath root ({@code ""} or
     *         {@code "/"}), which would serve every class and configuration file of the app
     */
    public SpindleConfig staticResources(String urlPrefix, String folder) {
        if (folder.replace("/", "").isBlank()) {
            throw new IllegalArgumentException("staticResources(\"" + urlPrefix + "\", \"" + folder + "\") would serve "
                    + "the whole classpath, class files and configuration included: name a folder that holds only "
                    + "public files, such as \"public\"");
        }
        staticFiles.add(new ServerOptions.StaticMount(checkPrefix(urlPrefix), folder, true));
        return this;
    }

    private static String checkPrefix(String prefix) {
        if (!prefix.startsWith("/") || prefix.length() < 2 || prefix.endsWith("/")) {
            throw new IllegalArgumentException("A static files prefix looks like /static, not '" + prefix + "'");
        }
        return prefix;
    }

    ThreadingMode threading() {
        if (threading == null) {
            threading = ThreadingMode.fromEnvironment().orElseGet(ThreadingMode::virtualThreads);
        }
        return threading;
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    ObservationRegistry observationRegistry() {
        return observationRegistry;
    }

    Duration blockedThreshold() {
        return blockedThreshold;
    }

    Duration overdueThreshold() {
        return overdueThreshold;
    }

    JsonMapper json() {
        if (json == null) {
            json = JsonMapper.jackson();
        }
        return json;
    }

    int port() {
        return port;
    }

    ServerOptions serverOptions(int port) {
        return new ServerOptions(host, port, ioThreads, maxBodySize, limits, shutdownGrace, List.copyOf(staticFiles));
    }
}

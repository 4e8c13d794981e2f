package dev.spindle.jobs;

import dev.spindle.internal.Checks;
import dev.spindle.json.JsonMapper;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an app's background jobs, given in {@code Jobs.install(app, settings -> …)} or
 * {@link Jobs#create}. Every setting has a default fit for a small service.
 */
public final class JobSettings {

    /** At most this many jobs run at once by default. */
    public static final int DEFAULT_MAX_RUNNING = 100;
    /** At most this many jobs wait for a thread by default; the next submission gets 503. */
    public static final int DEFAULT_QUEUE = 1_000;
    /** At most this many jobs are stored by default; the next submission gets 503. */
    public static final int DEFAULT_MAX_JOBS = 10_000;
    /** At most this many clients follow one job by default, long polls and streams each. */
    public static final int DEFAULT_MAX_SUBSCRIBERS = 100;

    ThreadingMode threading = new ThreadingMode.VirtualThreads(DEFAULT_MAX_RUNNING, DEFAULT_QUEUE);
    JobStore store;
    Clock clock = Clock.systemUTC();
    Duration ttl = Duration.ofHours(1);
    Duration timeout;
    Duration maxWait = Duration.ofSeconds(60);
    Duration retryAfter = Duration.ofSeconds(1);
    Duration drainTimeout = Duration.ofSeconds(10);
    int maxJobs = DEFAULT_MAX_JOBS;
    int maxSubscribers = DEFAULT_MAX_SUBSCRIBERS;
    String basePath = "/jobs";
    boolean listJobs;
    MeterRegistry meterRegistry;
    JsonMapper json;
    byte[] webhookSecret;
    boolean allowPrivateCallbacks;
    int webhookMaxAttempts = 5;
    Duration webhookBackoff = Duration.ofSeconds(1);
    Duration webhookMaxBackoff = Duration.ofMinutes(5);
    Duration webhookTimeout = Duration.ofSeconds(10);

    JobSettings() {
    }

    /**
     * The jobs executor's threading mode. Default: virtual threads, at most {@value #DEFAULT_MAX_RUNNING}
     * running and {@value #DEFAULT_QUEUE} queued. The queue bound is the mode's: a full queue answers
     * 503 with {@code Retry-After}. {@link ThreadingMode#nonBlocking()} is refused: jobs block.
     */
    public JobSettings threading(ThreadingMode mode) {
        if (mode instanceof ThreadingMode.NonBlocking) {
            throw new IllegalArgumentException("Jobs need threads of their own: the non-blocking mode runs on IO threads");
        }
        this.threading = Objects.requireNonNull(mode);
        return this;
    }

    /** Where job snapshots live. Default {@link JobStore#inMemory()}. */
    public JobSettings store(JobStore store) {
        this.store = Objects.requireNonNull(store);
        return this;
    }

    /** The clock for timestamps and expiry (tests inject their own). Default UTC system clock. */
    public JobSettings clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
        return this;
    }

    /**
     * How long a finished job keeps its result. After that it reads as {@code EXPIRED} for one more
     * such period, then {@code 404}. Default 1 hour.
     */
    public JobSettings ttl(Duration ttl) {
        this.ttl = Checks.positive("ttl", ttl);
        return this;
    }

    /** How long a job may run before it fails with a {@code timeout} error and is interrupted. Default: no limit. */
    public JobSettings timeout(Duration timeout) {
        this.timeout = Checks.positive("timeout", timeout);
        return this;
    }

    /** The longest {@code ?wait=} a long-polling client may ask for; longer waits are cut to it. Default 60 s. */
    public JobSettings maxWait(Duration maxWait) {
        this.maxWait = Checks.positive("maxWait", maxWait);
        return this;
    }

    /** The {@code Retry-After} sent with unfinished jobs and with 503s: how often to poll. Default 1 s. */
    public JobSettings retryAfter(Duration retryAfter) {
        this.retryAfter = Checks.positive("retryAfter", retryAfter);
        return this;
    }

    /**
     * How long stopping the app waits for running jobs to finish before interrupting them
     * (see {@link Jobs#close()}). Default 10 s.
     */
    public JobSettings drainTimeout(Duration drainTimeout) {
        this.drainTimeout = Checks.notNegative("drainTimeout", drainTimeout);
        return this;
    }

    /**
     * The most jobs the store holds at once: queued, running, finished with their results, and
     * expired ones (kept for a second {@link #ttl} to answer {@code EXPIRED}) together. A submission
     * that finds the store full gets 503 with {@code Retry-After}; room comes back as finished jobs
     * are forgotten. Default {@value #DEFAULT_MAX_JOBS}, which bounds the in-memory store to a few
     * tens of megabytes unless results are large.
     */
    public JobSettings maxJobs(int maxJobs) {
        if (maxJobs < 1) {
            throw new IllegalArgumentException("maxJobs must be at least 1, not " + maxJobs);
        }
        this.maxJobs = maxJobs;
        return this;
    }

    /**
     * The most clients that follow one job at once, counted separately for long polls and for event
     * streams (SSE and WebSocket together). A long poll past it is answered at once with the job as it
     * is, like a plain poll; a stream past it gets 503 with {@code Retry-After}. Default
     * {@value #DEFAULT_MAX_SUBSCRIBERS}: a job id shared with the world cannot pin unbounded memory.
     */
    public JobSettings maxSubscribers(int maxSubscribers) {
        if (maxSubscribers < 1) {
            throw new IllegalArgumentException("maxSubscribers must be at least 1, not " + maxSubscribers);
        }
        this.maxSubscribers = maxSubscribers;
        return this;
    }

    /** The path the job routes are served under. Default {@code /jobs}. */
    public JobSettings basePath(String basePath) {
        if (!basePath.startsWith("/") || basePath.endsWith("/")) {
            throw new IllegalArgumentException("A base path looks like /jobs, not '" + basePath + "'");
        }
        this.basePath = basePath;
        return this;
    }

    /**
     * Whether {@code GET /jobs} lists recent jobs. Default false: a job's id is the capability that
     * reads and cancels it, and the list would show every client's ids. Turn it on only behind a
     * before hook that lets in who may see (and cancel) every job, or where jobs are not private.
     */
    public JobSettings listJobs(boolean listJobs) {
        this.listJobs = listJobs;
        return this;
    }

    /** Where job metrics go ({@code spindle.jobs.*}, {@code spindle.webhook.deliveries}). Default: the app's registry, if any; otherwise none are recorded. */
    public JobSettings meterRegistry(MeterRegistry registry) {
        this.meterRegistry = Objects.requireNonNull(registry);
        return this;
    }

    /** The mapper for results in webhook bodies and event messages. Default: the app's. */
    public JobSettings json(JsonMapper json) {
        this.json = Objects.requireNonNull(json);
        return this;
    }

    /** The secret webhook bodies are signed with (HMAC-SHA256). Without one, callback URLs are refused. */
    public JobSettings webhookSecret(String secret) {
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("The webhook secret must not be empty");
        }
        this.webhookSecret = secret.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    /**
     * Whether callback URLs may point at loopback, private, link-local and other internal addresses.
     * Default false: a client could otherwise make the server call into its own network (SSRF).
     */
    public JobSettings allowPrivateCallbacks(boolean allow) {
        this.allowPrivateCallbacks = allow;
        return this;
    }

    /** How many times a webhook is tried before giving up. Default 5. */
    public JobSettings webhookMaxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("webhookMaxAttempts must be at least 1, was " + attempts);
        }
        this.webhookMaxAttempts = attempts;
        return this;
    }

    /**
     * The wait before the second attempt, doubled for each further one up to {@code max}, each wait
     * then jittered to between half and all of it. Default 1 s, at most 5 min. {@code Duration.ZERO}
     * retries at once (tests).
     */
    public JobSettings webhookBackoff(Duration initial, Duration max) {
        Checks.notNegative("The initial webhook backoff", initial);
        Checks.notNegative("The maximum webhook backoff", max);
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("Backoff needs 0 <= initial <= max, was " + initial + " and " + max);
        }
        this.webhookBackoff = initial;
        this.webhookMaxBackoff = max;
        return this;
    }

    /** How long one webhook attempt may take (connect and response). Default 10 s. */
    public JobSettings webhookTimeout(Duration timeout) {
        this.webhookTimeout = Checks.positive("webhookTimeout", timeout);
        return this;
    }
}

package dev.spindle.jobs;

import dev.spindle.internal.Checks;
import dev.spindle.json.JsonMapper;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

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
    /** At most this many webhook deliveries wait for a retry by default. */
    public static final int DEFAULT_MAX_PENDING_RETRIES = 1_000;

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
    List<byte[]> webhookKeys;
    boolean allowPrivateCallbacks;
    Supplier<String> allowedCallbackUrl;
    RetrySchedule webhookRetries = RetrySchedule.DEFAULT;
    int webhookMaxPendingRetries = DEFAULT_MAX_PENDING_RETRIES;
    Duration webhookTimeout = Duration.ofSeconds(15);
    CallbackUrls.Resolver callbackResolver = CallbackUrls.SYSTEM;
    Predicate<InetAddress> internalAddress = CallbackUrls::isInternal;

    Map<String, Kinds.Kind<?>> kinds = new LinkedHashMap<>();
    Duration lease = Duration.ofSeconds(30);
    int leaseAttempts = 3;
    Duration leaseBackoff = Duration.ofSeconds(10);
    Duration resync = Duration.ofSeconds(5);
    boolean claim = true;

    JobSettings() {
    }

    /**
     * Registers a named job kind: a submission ({@link Jobs#enqueue}) names it and carries an input,
     * stored as JSON with the job, and whichever instance claims the job reads the input back as
     * {@code input} and runs {@code work}. The only jobs a shared store ({@link JobStore#shared()})
     * accepts; with the in-memory store, jobs of a kind and lambda jobs ({@link Jobs#start}) mix.
     * Register the same kinds on every instance that shares a store: an instance claims only the
     * kinds it knows.
     *
     * @throws IllegalArgumentException if a kind of that name is registered already, or the name is blank
     */
    public <I> JobSettings kind(String name, Class<I> input, JobKind<I> work) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(work, "work");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A job kind needs a name");
        }
        if (kinds.putIfAbsent(name, new Kinds.Kind<>(name, input, work)) != null) {
            throw new IllegalArgumentException("Job kind '" + name + "' is registered twice");
        }
        return this;
    }

    /**
     * With a shared store: how long a claim on a job lasts unless renewed. The instance running the
     * job renews it every third of this; if it dies or stalls longer than this, the job's lease
     * lapses and another instance applies the lease policy ({@link #leaseAttempts}). Default 30 s.
     */
    public JobSettings lease(Duration lease) {
        this.lease = Checks.positive("lease", lease);
        return this;
    }

    /**
     * With a shared store, the lease policy: a job whose lease lapsed is queued again, claimable after
     * {@code backoff} times 2^(attempt - 1), until it has been claimed {@code attempts} times; then it
     * fails with error code {@code lease-expired}. Default 3 attempts, 10 s backoff (10 s, then 20 s).
     * Work that may run twice must be idempotent: a stalled instance can still be running it.
     */
    public JobSettings leaseAttempts(int attempts, Duration backoff) {
        if (attempts < 1) {
            throw new IllegalArgumentException("leaseAttempts must be at least 1, not " + attempts);
        }
        this.leaseAttempts = attempts;
        this.leaseBackoff = Checks.notNegative("backoff", backoff);
        return this;
    }

    /**
     * With a shared store: whether this instance claims and runs queued jobs, and claims and makes
     * webhook deliveries. Default true; false makes an instance that only accepts, follows and cancels
     * jobs (a web tier in front of workers).
     */
    public JobSettings claim(boolean claim) {
        this.claim = claim;
        return this;
    }

    /**
     * With a shared store: how often an instance re-reads the jobs its clients follow, claims queued
     * jobs and looks for lapsed leases even when no notification came (notifications are lost while
     * the listening connection is down), and looks for due webhook deliveries it did not queue or
     * schedule itself (another instance's, or one whose instance died). Default 5 s.
     */
    public JobSettings resync(Duration resync) {
        this.resync = Checks.positive("resync", resync);
        return this;
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

    /** Where job snapshots live. Default {@link JobStore#inMemory()}; a shared one runs jobs on several instances. */
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

    /**
     * The secret webhooks are signed with, as Standard Webhooks: {@code webhook-signature} carries
     * {@code v1,} and the base64 HMAC-SHA256 of {@code webhook-id.webhook-timestamp.body} (see
     * {@link WebhookVerifier}). Without a secret, callback URLs are refused.
     *
     * <p>Give it in the Standard Webhooks form, {@code whsec_} followed by base64 of at least 24 random
     * bytes ({@code whsec_$(openssl rand -base64 32)}), which receivers using a Standard Webhooks
     * library take as it is. Any other string is used as its UTF-8 bytes, as Spindle did before; a
     * Standard Webhooks library then needs it as {@code whsec_} and the base64 of those bytes.
     *
     * @throws IllegalArgumentException if it is empty, or a {@code whsec_} secret that is not base64 of at least 24 bytes
     */
    public JobSettings webhookSecret(String secret) {
        return webhookSecrets(secret);
    }

    /**
     * Several secrets, for rotating one without a gap: every webhook carries a signature under each,
     * space-separated in {@code webhook-signature}, and a receiver accepts the one it knows. Rotate by
     * configuring {@code (new, old)}, then moving receivers to {@code new}, then dropping {@code old}.
     *
     * @throws IllegalArgumentException for no secret, or a secret {@link #webhookSecret} refuses
     */
    public JobSettings webhookSecrets(String... secrets) {
        this.webhookKeys = WebhookSignatures.keys(secrets);
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

    /**
     * One callback URL that may point at a loopback or private address although
     * {@link #allowPrivateCallbacks} is off: the app's own receiver, say. Only a URL equal to it in
     * scheme, host (ignoring case), port (the scheme's default if none is given), path and query is
     * exempt, at submission and when its webhook connects: its deliveries go through a client of their
     * own that resolves only this URL's host, and connects only to its port. Every other callback URL
     * is checked as before, including other paths and ports on the same host. Default: none.
     *
     * @throws IllegalArgumentException if it is not an http or https URL with a host and no credentials
     */
    public JobSettings allowCallbackUrl(String url) {
        try {
            CallbackUrls.parse(Objects.requireNonNull(url, "url"));
        } catch (CallbackUrls.Refused e) {
            throw new IllegalArgumentException("allowCallbackUrl: " + e.getMessage());
        }
        return allowCallbackUrl(() -> url);
    }

    /**
     * As {@link #allowCallbackUrl(String)}, with the URL read at every check, for a receiver whose
     * URL is known only once the app has started (its port, when started on port 0):
     * {@code settings.allowCallbackUrl(() -> "http://127.0.0.1:" + app.port() + "/webhooks")}. While
     * it returns {@code null}, or a URL that is not acceptable, no URL is exempt. It must not throw.
     */
    public JobSettings allowCallbackUrl(Supplier<String> url) {
        this.allowedCallbackUrl = Objects.requireNonNull(url, "url");
        return this;
    }

    /**
     * When a failed webhook is tried again: the first attempt is made at once, then one more after
     * each of {@code delays} in turn, until one is answered 2xx; so {@code delays.length + 1} attempts
     * in all. Each wait is its delay shortened by a random 0–10%, so receivers that failed together
     * are not retried together. Default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 8 attempts over
     * 27 h 35 min 5 s (Standard Webhooks' example schedule), so a receiver down overnight still gets
     * its webhooks. No delays: one attempt, no retry. {@code Duration.ZERO} retries at once (tests).
     * With the in-memory store, waiting retries live in memory: stopping the app drops them. With a
     * shared store they wait in the store, due at the time the schedule gives, for any instance to make.
     *
     * @throws IllegalArgumentException for a negative delay or more than 100
     */
    public JobSettings webhookRetries(Duration... delays) {
        this.webhookRetries = new RetrySchedule(List.of(delays));
        return this;
    }

    /**
     * How many deliveries may wait for a retry at once, each holding its body in memory (with a
     * shared store: in the store, counted across every instance). Past it, a failed attempt is not
     * retried: it is logged and counted in {@code spindle.webhook.abandoned} with
     * {@code reason=backlog}. Default {@value #DEFAULT_MAX_PENDING_RETRIES}.
     */
    public JobSettings webhookMaxPendingRetries(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("webhookMaxPendingRetries must not be negative, was " + max);
        }
        this.webhookMaxPendingRetries = max;
        return this;
    }

    /**
     * How long one webhook attempt may take, from connecting until the receiver's status line, after
     * which the attempt is aborted and counts as no answer. Default 15 s, the lower end of what Standard Webhooks recommends.
     * With a shared store, an instance claims a delivery for {@link #lease} plus this, so a claim
     * outlasts its attempt; one left by an instance that died is taken by another after that.
     */
    public JobSettings webhookTimeout(Duration timeout) {
        this.webhookTimeout = Checks.positive("webhookTimeout", timeout);
        return this;
    }

    /** Where callback hosts are resolved and which addresses count as internal: tests answer without DNS. */
    JobSettings callbackAddresses(CallbackUrls.Resolver resolver, Predicate<InetAddress> internal) {
        this.callbackResolver = Objects.requireNonNull(resolver);
        this.internalAddress = Objects.requireNonNull(internal);
        return this;
    }
}

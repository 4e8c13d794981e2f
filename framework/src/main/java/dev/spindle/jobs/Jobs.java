package dev.spindle.jobs;

import dev.spindle.Extension;
import dev.spindle.Spindle;
import dev.spindle.http.Context;
import dev.spindle.http.HttpException;
import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.json.JsonMapper;
import io.micrometer.core.instrument.LongTaskTimer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An app's background jobs: start them from a handler, and let clients collect the result by
 * polling, long polling, a webhook, or a WebSocket / server-sent event stream.
 * <pre>{@code
 * Jobs jobs = app.jobs();
 * app.post("/reports", ctx -> jobs.start(ctx, "report", job -> {
 *     job.progress(50, "half way");
 *     return reports.build();
 * }));
 * }</pre>
 *
 * <p>{@link #install} (done by {@code app.jobs()}) serves, under the base path ({@code /jobs}):
 * <table>
 *   <caption>Job routes</caption>
 *   <tr><td>{@code GET /jobs/{id}}</td><td>the job; {@code Retry-After} while unfinished</td></tr>
 *   <tr><td>{@code GET /jobs/{id}?wait=30s}</td><td>long polling: answers when the job finishes or the wait
 *       (at most {@link JobSettings#maxWait}) ends, holding no thread meanwhile</td></tr>
 *   <tr><td>{@code DELETE /jobs/{id}}</td><td>cancels it (interrupting its work); idempotent</td></tr>
 *   <tr><td>{@code GET /jobs?offset=0&limit=20}</td><td>recent jobs, newest first</td></tr>
 *   <tr><td>{@code /jobs/{id}/events}</td><td>WebSocket, or server-sent events with {@code Accept: text/event-stream}:
 *       {@code progress} messages, then one {@code result} or {@code error} message, then a normal close</td></tr>
 * </table>
 *
 * <p><b>Stop policy</b> ({@link #close()}, called by {@code app.stop()} before the server stops): new
 * submissions get 503; queued jobs are cancelled at once; running jobs get
 * {@link JobSettings#drainTimeout} to finish, then are interrupted and end {@code CANCELLED}. Every
 * long poll and event stream is answered with the final state. Webhook retries still pending are
 * dropped (their attempts so far stay recorded).
 *
 * <p><b>Threading:</b> all methods are safe to call from any thread. Work runs on the jobs executor
 * (see {@link JobSettings#threading}); waits, timeouts and retries are scheduled on one timer thread;
 * webhooks are sent from virtual threads. Every thread is created by {@link Dispatchers}.
 */
public final class Jobs implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Jobs.class);

    private final JobSettings settings;
    private final JobStore store;
    private final Clock clock;
    private final JsonMapper json;
    private final JobRepresentation representation;
    private final JobMetrics metrics;
    private final Dispatcher executor;
    private final ScheduledThreadPoolExecutor timer;
    /** Virtual threads for webhook attempts and for waking long polls. */
    private final ExecutorService senders;
    private final Webhooks webhooks;
    private final JobExpiry expiry;
    private final ConcurrentHashMap<String, JobEntry> live = new ConcurrentHashMap<>();
    private final LongPolls polls;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Jobs(JobSettings settings) {
        this.settings = settings;
        this.store = settings.store != null ? settings.store : JobStore.inMemory();
        this.clock = settings.clock;
        this.json = settings.json != null ? settings.json : JsonMapper.jackson();
        this.representation = new JobRepresentation(settings.basePath, settings.retryAfter);
        this.metrics = new JobMetrics(settings.meterRegistry);
        this.executor = Dispatchers.create(settings.threading, "jobs");
        this.timer = new ScheduledThreadPoolExecutor(1, Dispatchers.daemonThreads("jobs-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.senders = Executors.newThreadPerTaskExecutor(Dispatchers.virtualThreads(settings.threading, "jobs-notify"));
        this.expiry = new JobExpiry(store, clock, settings.ttl);
        this.webhooks = new Webhooks(settings, metrics, timer, senders, expiry::recordDelivery);
        expiry.scheduleSweeps(timer);
        this.polls = new LongPolls(timer, task -> {
            try {
                senders.execute(task);
            } catch (RejectedExecutionException e) {
                task.run();
            }
        });
    }

    /**
     * Jobs configured by {@code setup}, with their own executor and timer: {@link #close()} them when
     * done. {@code app.jobs()} creates and installs the app's jobs and closes them when the app stops.
     */
    public static Jobs create(Consumer<JobSettings> setup) {
        JobSettings settings = new JobSettings();
        setup.accept(settings);
        return new Jobs(settings);
    }

    /**
     * Creates the jobs of {@code app} and installs them on it as an {@link Extension}: they use the
     * app's JSON mapper and meter registry unless {@code setup} names others, declare the job routes
     * (see the class description) and the WebSocket, and are closed when the app stops.
     * <pre>{@code
     * Jobs jobs = Jobs.install(app, settings -> settings.webhookSecret(System.getenv("WEBHOOK_SECRET")));
     * }</pre>
     *
     * @throws IllegalStateException if the app has started
     */
    public static Jobs install(Spindle app, Consumer<JobSettings> setup) {
        Jobs[] installed = new Jobs[1];
        app.install(extension -> {
            JobSettings settings = new JobSettings();
            settings.json(extension.json());
            extension.meterRegistry().ifPresent(settings::meterRegistry);
            setup.accept(settings);
            Jobs jobs = new Jobs(settings);
            new JobRoutes(jobs, jobs.representation, jobs.polls,
                    new JobStreams(jobs, jobs.representation, jobs.json, jobs.senders), settings).declare(extension.app());
            extension.onStop(jobs::close);
            installed[0] = jobs;
        });
        return installed[0];
    }

    // ---- submitting ----

    /**
     * Starts a job for a request: answers {@code 202 Accepted} with {@code Location: /jobs/{id}} and
     * returns the job resource for the handler to return.
     *
     * @throws HttpException 503 with {@code Retry-After} when the queue is full or the app is stopping
     */
    public Object start(Context ctx, String kind, JobWork work) {
        return start(ctx, kind, null, work);
    }

    /**
     * As {@link #start(Context, String, JobWork)}, and POSTs the finished job to {@code callbackUrl}
     * (if not {@code null}), signed with the webhook secret.
     *
     * @throws HttpException 400 if the callback URL is refused (scheme, credentials, internal address,
     *         or no webhook secret configured)
     */
    public Object start(Context ctx, String kind, String callbackUrl, JobWork work) {
        Job job = submit(kind, callbackUrl, settings.timeout, work);
        return representation.accepted(ctx, job);
    }

    /**
     * Submits a job outside a request.
     *
     * @param callbackUrl where to POST the finished job, or {@code null}
     * @param timeout how long it may run, or {@code null} for the configured default
     * @return the new job, {@code QUEUED}
     * @throws HttpException 400 for a refused callback URL, 503 when the queue is full or the jobs are closed
     */
    public Job submit(String kind, String callbackUrl, Duration timeout, JobWork work) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(work, "work");
        if (closed.get()) {
            throw representation.busy("The server is stopping and accepts no new jobs");
        }
        if (callbackUrl != null) {
            if (!webhooks.enabled()) {
                throw representation.refusedCallback("This server sends no webhooks: no webhook secret is configured");
            }
            try {
                webhooks.check(callbackUrl);
            } catch (CallbackUrls.Refused e) {
                throw representation.refusedCallback("Refused callbackUrl: " + e.getMessage());
            }
        }
        Job job = new Job(JobIds.next(), kind, JobState.QUEUED, 0, null, clock.instant(), null, null, null, null,
                callbackUrl, List.of());
        JobEntry entry = new JobEntry(job, work, timeout != null ? timeout : settings.timeout, store::save);
        store.save(job);
        live.put(job.id(), entry);
        metrics.submitted(kind);
        try {
            executor.execute(() -> run(entry));
        } catch (RejectedExecutionException e) {
            live.remove(job.id());
            store.remove(job.id());
            metrics.leftQueue();
            throw representation.busy("Too many jobs are waiting; try again shortly");
        }
        return job;
    }

    // ---- reading and cancelling ----

    /** The job with this id as it is now, or empty if there is none (or it expired long enough ago to be forgotten). */
    public Optional<Job> find(String id) {
        JobEntry entry = live.get(id);
        if (entry != null) {
            return Optional.of(entry.snapshot());
        }
        return store.find(id).map(expiry::age);
    }

    /**
     * Cancels the job if it has not finished, interrupting its work if it is running.
     *
     * @return the job as it is afterwards, or empty if there is no such job
     */
    public Optional<Job> cancel(String id) {
        JobEntry entry = live.get(id);
        if (entry != null) {
            end(entry, JobState.CANCELLED, null, new JobError("cancelled", "The job was cancelled"), true);
        }
        return find(id);
    }

    /**
     * Stops the jobs per the stop policy in the class description. Returns once running jobs have
     * ended or been interrupted; calling it again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        executor.shutdown();
        JobError stopping = new JobError("cancelled", "The server stopped before the job ran");
        for (JobEntry entry : live.values()) {
            if (entry.snapshot().state() == JobState.QUEUED) {
                end(entry, JobState.CANCELLED, null, stopping, false);
            }
        }
        boolean drained;
        try {
            drained = executor.awaitTermination(settings.drainTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained) {
            JobError interrupted = new JobError("cancelled", "The server stopped before the job finished");
            for (JobEntry entry : live.values()) {
                end(entry, JobState.CANCELLED, null, interrupted, true);
            }
            executor.shutdownNow();
        }
        webhooks.close();
        timer.shutdownNow();
        senders.shutdown();
        try {
            if (!senders.awaitTermination(1, TimeUnit.SECONDS)) {
                senders.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            senders.shutdownNow();
        }
    }

    /** The job with this id if it has not finished, else {@code null}. */
    JobEntry live(String id) {
        return live.get(id);
    }

    /** Up to {@code limit} jobs as they are now, newest first, after the first {@code offset}; forgotten ones left out. */
    List<Job> recent(int offset, int limit) {
        List<Job> jobs = new ArrayList<>();
        for (Job stored : store.list(offset, limit)) {
            JobEntry entry = live.get(stored.id());
            Job current = entry != null ? entry.snapshot() : expiry.age(stored);
            if (current != null) {
                jobs.add(current);
            }
        }
        return jobs;
    }

    /** How many jobs the store holds. */
    int count() {
        return store.count();
    }

    /** Long-poll requests being held now. */
    int waiting() {
        return polls.waiting();
    }

    // ---- running ----

    private void run(JobEntry entry) {
        if (!entry.start(clock.instant(), Thread.currentThread())) {
            return;
        }
        metrics.leftQueue();
        Job job = entry.snapshot();
        LongTaskTimer.Sample active = metrics.started(job.kind());
        ScheduledFuture<?> deadline = entry.timeout == null ? null : timer.schedule(() -> end(entry, JobState.FAILED,
                null, new JobError("timeout", "The job ran longer than its " + entry.timeout.toMillis() + " ms limit"),
                true), entry.timeout.toNanos(), TimeUnit.NANOSECONDS);
        Object result = null;
        Throwable failure = null;
        try {
            result = entry.work.run(entry);
        } catch (Throwable error) {
            failure = error;
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            active.stop();
        }
        if (failure == null) {
            end(entry, JobState.SUCCEEDED, result, null, false);
        } else if (failure instanceof JobFailedException failed) {
            end(entry, JobState.FAILED, null, new JobError("failed", failed.getMessage()), false);
        } else if (entry.isCancelled() && (failure instanceof InterruptedException || failure instanceof CancellationException)) {
            log.debug("Job {} stopped after cancellation", job.id());
        } else {
            if (!entry.isCancelled()) {
                log.warn("Job {} ({}) failed", job.id(), job.kind(), failure);
            }
            end(entry, JobState.FAILED, null, new JobError("failed",
                    "The job failed; quote job id " + job.id() + " when reporting it"), false);
        }
        // A cancel or timeout may have interrupted this thread after the work returned; a pooled thread must not keep that.
        Thread.interrupted();
    }

    /** Ends a live job (if it has not ended), then wakes its long pollers and starts its webhook. */
    private void end(JobEntry entry, JobState state, Object result, JobError error, boolean interrupt) {
        JobEntry.Finished finished = entry.finish(state, clock.instant(), result, error, interrupt);
        if (finished == null) {
            return;
        }
        Job job = finished.job();
        live.remove(job.id());
        if (finished.from() == JobState.QUEUED) {
            metrics.leftQueue();
        }
        metrics.completed(job.kind(), state);
        for (CompletableFuture<Job> waiter : finished.waiters()) {
            waiter.complete(job);
        }
        if (job.callbackUrl() != null) {
            webhooks.deliver(job.id(), job.callbackUrl(), JobIds.next(), json.write(representation.webhookBody(job)));
        }
    }
}

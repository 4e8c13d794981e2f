package dev.spindle.jobs;

import dev.spindle.Extension;
import dev.spindle.Spindle;
import dev.spindle.http.Context;
import dev.spindle.http.HttpException;
import dev.spindle.json.JsonMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * An app's background jobs: start them from a handler, and let clients collect the result by
 * polling, long polling, a webhook, or a WebSocket / server-sent event stream.
 * <pre>{@code
 * Jobs jobs = Jobs.install(app, settings -> settings.webhookSecret(secret)
 *         .kind("report", ReportRequest.class, (job, request) -> {
 *             job.progress(50, "half way");
 *             return reports.build(request);
 *         }));
 * app.post("/reports", ctx -> jobs.enqueue(ctx, "report", ctx.bodyAs(ReportRequest.class), null));
 * }</pre>
 * A job of a registered kind keeps its input in the store as JSON, so with a shared store
 * ({@link JobStore#shared()}) any instance can run it. A job whose work is a lambda
 * ({@link #start(Context, String, JobWork)}) runs only in the process that accepted it: the in-memory
 * store only.
 *
 * <p>{@link #install} serves, under the base path ({@code /jobs}):
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
 * <p><b>Stopping with the app</b> ({@code app.stop()}, see {@link Spindle#stop()}): as the app starts
 * to refuse new requests, every waiting long poll is answered with the job as it stands, and every
 * event stream of a job that has not finished gets a last {@code stopping} message with the job as it
 * stands and ends (a WebSocket with {@code 1001}); long polls and streams that arrive later (their
 * request had started) are answered the same way at once. Jobs are still accepted while the started
 * requests finish, since one of them may submit one. Then, once those requests have ended,
 * {@link #close()} applies the stop policy.
 *
 * <p><b>Stop policy</b> ({@link #close()}): new submissions get 503; queued jobs are cancelled at
 * once; running jobs get {@link JobSettings#drainTimeout} to finish, then are interrupted and end
 * {@code CANCELLED}. Long polls and event streams still open (of jobs used without an app) are
 * answered as above. Webhook retries still pending are dropped (their attempts so far stay recorded);
 * with a shared store they stay in the store instead, for any instance to make, and attempts still
 * waiting for their answer are given back to it.
 *
 * <p><b>Threading:</b> all methods are safe to call from any thread. Work runs on the jobs executor
 * (see {@link JobSettings#threading}), on threads named {@code spindle-<mode>-jobs-<n>} (virtual
 * ones all {@code spindle-virtual-jobs}); waits, timeouts and retries are scheduled on one timer
 * thread ({@code spindle-jobs-timer-1}); each webhook attempt runs on a virtual thread of its own
 * ({@code spindle-<mode>-jobs-webhook}), and long-poll wake-ups and event streams start on others
 * ({@code spindle-<mode>-jobs-notify}). With a shared store, jobs are claimed on
 * {@code spindle-jobs-claim-1} and webhook deliveries on {@code spindle-jobs-webhook-claim-1}.
 * Uncaught exceptions on any of them are logged.
 */
public final class Jobs implements AutoCloseable {

    private final JobStore store;
    private final JsonMapper json;
    private final Kinds kinds;
    private final JobRepresentation representation;
    private final JobThreads threads;
    private final JobExpiry expiry;
    private final Webhooks webhooks;
    private final WebhookClaims webhookClaims;
    private final JobRunner runner;
    private final LongPolls polls;
    private final JobStreams streams;

    private Jobs(JobSettings settings) {
        this.store = settings.store != null ? settings.store : JobStore.inMemory();
        this.json = settings.json != null ? settings.json : JsonMapper.jackson();
        this.kinds = new Kinds(settings.kinds, json);
        this.representation = new JobRepresentation(settings.basePath, settings.retryAfter);
        this.threads = new JobThreads(settings.threading);
        JobMetrics metrics = new JobMetrics(settings.meterRegistry);
        this.expiry = new JobExpiry(store, settings.clock, settings.ttl);
        this.webhooks = new Webhooks(settings, metrics, threads.timer(), threads.webhooks(), expiry::recordDelivery);
        this.webhookClaims = store.shared() && settings.claim && webhooks.enabled()
                ? new WebhookClaims(settings, store, webhooks, this::webhookBody, threads) : null;
        this.runner = new JobRunner(settings, store, kinds, metrics, threads, this::callBack);
        this.polls = new LongPolls(threads.timer(), threads.wakeups());
        this.streams = new JobStreams(this, representation, json, threads.notifications(), settings.maxSubscribers);
        expiry.scheduleSweeps(threads.timer());
    }

    /**
     * Jobs configured by {@code setup}, with their own threads and no routes: {@link #close()} them
     * when done. To serve the job routes and stop with an app, use {@link #install} instead.
     */
    public static Jobs create(Consumer<JobSettings> setup) {
        JobSettings settings = new JobSettings();
        setup.accept(settings);
        return new Jobs(settings);
    }

    /**
     * Creates the jobs of {@code app} and installs them on it as an {@link Extension}: they use the
     * app's JSON mapper and meter registry unless {@code setup} names others, declare the job routes
     * (see the class description) and the WebSocket, answer their long polls and end their streams
     * as the app begins to stop, and are closed once its started requests have ended.
     * <pre>{@code
     * Jobs jobs = Jobs.install(app, settings -> settings.webhookSecret(System.getenv("WEBHOOK_SECRET")));
     * }</pre>
     *
     * @throws IllegalStateException if the app has started
     */
    public static Jobs install(Spindle app, Consumer<JobSettings> setup) {
        Objects.requireNonNull(setup, "setup");
        Jobs[] installed = new Jobs[1];
        app.install(extension -> {
            JobSettings settings = new JobSettings();
            settings.json(extension.json());
            extension.meterRegistry().ifPresent(settings::meterRegistry);
            setup.accept(settings);
            Jobs jobs = new Jobs(settings);
            try {
                jobs.routes(settings).declare(extension.app());
            } catch (RuntimeException e) {
                jobs.close();
                throw e;
            }
            extension.onDrain(jobs::drain);
            extension.onStop(jobs::close);
            installed[0] = jobs;
        });
        return installed[0];
    }

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
     * (if not {@code null}) as a Standard Webhook signed with the webhook secret (see {@link WebhookVerifier}).
     *
     * @throws HttpException 400 if the callback URL is refused (scheme, credentials, internal address,
     *         or no webhook secret configured)
     */
    public Object start(Context ctx, String kind, String callbackUrl, JobWork work) {
        return representation.accepted(ctx, submit(kind, callbackUrl, null, work));
    }

    /**
     * Starts a job of a registered kind ({@link JobSettings#kind}) for a request: answers
     * {@code 202 Accepted} with {@code Location: /jobs/{id}} and returns the job resource. The input is
     * stored as JSON; the instance that runs the job reads it back as the kind's input type.
     *
     * @param callbackUrl where to POST the finished job, or {@code null}
     * @throws HttpException 400 for a refused callback URL, 503 when the store or queue is full or the jobs are closed
     * @throws IllegalArgumentException for a kind nobody registered
     */
    public Object enqueue(Context ctx, String kind, Object input, String callbackUrl) {
        return representation.accepted(ctx, enqueue(kind, input, callbackUrl, null));
    }

    /**
     * Submits a job of a registered kind outside a request.
     *
     * @param callbackUrl where to POST the finished job, or {@code null}
     * @param timeout how long it may run, or {@code null} for the configured default; with a shared
     *        store, where the job runs on whichever instance claims it, that instance's default applies
     * @return the new job, {@code QUEUED}
     * @throws HttpException 400 for a refused callback URL, 503 when the store or queue is full or the jobs are closed
     * @throws IllegalArgumentException for a kind nobody registered
     */
    public Job enqueue(String kind, Object input, String callbackUrl, Duration timeout) {
        Objects.requireNonNull(kind, "kind");
        try {
            runner.checkAccepting();
            if (callbackUrl != null) {
                checkCallback(callbackUrl);
            }
            return runner.enqueue(kind, input, callbackUrl, timeout);
        } catch (RejectedExecutionException e) {
            throw representation.busy(e.getMessage());
        }
    }

    /**
     * Submits a job outside a request. Its work is a lambda, which only this process can run: with a
     * shared store use {@link #enqueue(String, Object, String, Duration)}.
     *
     * @param callbackUrl where to POST the finished job, or {@code null}
     * @param timeout how long it may run, or {@code null} for the configured default
     * @return the new job, {@code QUEUED}
     * @throws HttpException 400 for a refused callback URL, 503 when the queue is full or the jobs are closed
     * @throws IllegalStateException with a shared store
     */
    public Job submit(String kind, String callbackUrl, Duration timeout, JobWork work) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(work, "work");
        try {
            runner.checkAccepting();
            if (callbackUrl != null) {
                checkCallback(callbackUrl);
            }
            return runner.submit(kind, callbackUrl, timeout, work);
        } catch (RejectedExecutionException e) {
            throw representation.busy(e.getMessage());
        }
    }

    /** The job with this id as it is now, or empty if there is none (or it expired long enough ago to be forgotten). */
    public Optional<Job> find(String id) {
        JobEntry entry = runner.live(id);
        if (entry != null && entry.owned()) {
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
        runner.cancel(id);
        return find(id);
    }

    /**
     * Stops the jobs per the stop policy in the class description. Returns once running jobs have
     * ended or been interrupted; calling it again does nothing.
     */
    @Override
    public void close() {
        drain();
        if (runner.stop()) {
            if (webhookClaims != null) {
                webhookClaims.stop();
            }
            webhooks.close();
            if (webhookClaims != null) {
                webhookClaims.release();
            }
            threads.close();
        }
    }

    /** Answers every long poll and ends every event stream with the job as it stands; see the class description. */
    private void drain() {
        polls.drain();
        streams.drain();
    }

    /**
     * The job with this id if it has not finished, for a long poll or stream to follow (with a shared
     * store, a mirror of a job another instance runs), else {@code null}.
     */
    JobEntry live(String id) {
        return runner.follow(id);
    }

    /** Up to {@code limit} jobs as they are now, newest first, after the first {@code offset}; forgotten ones left out. */
    List<Job> recent(int offset, int limit) {
        List<Job> jobs = new ArrayList<>();
        for (Job stored : store.list(offset, limit)) {
            JobEntry entry = runner.live(stored.id());
            Job current = entry != null && entry.owned() ? entry.snapshot() : expiry.age(stored);
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

    /** Clients following the job with this id on an event stream now. */
    int followers(String id) {
        return streams.followers(id);
    }

    private JobRoutes routes(JobSettings settings) {
        return new JobRoutes(this, representation, polls, streams, settings);
    }

    private void checkCallback(String url) {
        if (!webhooks.enabled()) {
            throw representation.refusedCallback("This server sends no webhooks: no webhook secret is configured");
        }
        try {
            webhooks.check(url);
        } catch (CallbackUrls.Refused e) {
            throw representation.refusedCallback("Refused callbackUrl: " + e.getMessage());
        }
    }

    /**
     * Starts the webhook of a job that ended, if it asked for one; with a shared store, the write that
     * ended it queued the delivery, and this instance's claims look for it now. On the thread that ended it.
     */
    private void callBack(Job job) {
        if (job.callbackUrl() == null) {
            return;
        }
        if (!store.shared()) {
            webhooks.deliver(job.id(), job.callbackUrl(), JobIds.next(), webhookBody(job));
        } else if (webhookClaims != null) {
            webhookClaims.wake();
        }
    }

    private byte[] webhookBody(Job job) {
        return json.write(representation.webhookBody(job));
    }
}

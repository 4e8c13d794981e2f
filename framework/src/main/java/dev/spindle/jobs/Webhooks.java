package dev.spindle.jobs;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers finished jobs to their callback URLs, as Standard Webhooks: a POST per attempt with
 * {@code webhook-id} (the same for every attempt of one delivery), {@code webhook-timestamp} (the
 * attempt's) and {@code webhook-signature} (one {@code v1} signature per secret), retried on the
 * {@link RetrySchedule} on a non-2xx answer or no answer, each attempt recorded on the job.
 *
 * <p>Attempts block a virtual thread of the webhook executor ({@code spindle-<mode>-jobs-webhook}),
 * waits between them are tasks on the jobs timer, so no thread sleeps. The HTTP client is Apache's
 * classic one, which starts no thread; it connects through {@link CallbackUrls#addresses}: the host is
 * resolved once per connection, every address checked, and only those addresses are connected to, the
 * URL's host name still giving the Host header and the TLS server name. Each attempt opens its own
 * connection, so each is checked. The one allowed URL ({@link JobSettings#allowCallbackUrl}) goes
 * through a client of its own, whose resolver resolves only that URL's host for its port
 * ({@link CallbackUrls#allowedAddresses}), so no other URL ever reaches an internal address through it.
 *
 * <p>With the in-memory store, {@link #deliver} makes the first attempt and the timer the retries. With
 * a shared store the deliveries are the store's, and {@link WebhookClaims} makes each attempt it claims
 * through {@link #post}, deciding retries with {@link #exhausted} and {@link #waitAfter}.
 */
final class Webhooks {

    static final String ID = "webhook-id";
    static final String TIMESTAMP = "webhook-timestamp";
    static final String SIGNATURE = "webhook-signature";
    /** Informational and unsigned: 1 for the first attempt of a delivery. */
    static final String ATTEMPT = "X-Spindle-Attempt";

    /** Connections one app opens at once to one callback host, and to all of them. */
    static final int MAX_CONNECTIONS_PER_HOST = 16;
    static final int MAX_CONNECTIONS = 256;

    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
    private static final ContentType JSON = ContentType.create("application/json");

    private final List<byte[]> keys;
    private final CallbackUrls callbacks;
    private final RetrySchedule schedule;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final Duration timeout;
    private final Clock clock;
    private final JobMetrics metrics;
    private final ScheduledExecutorService timer;
    private final ExecutorService senders;
    private final BiConsumer<String, Delivery> record;
    private final ReentrantLock clientLock = new ReentrantLock();
    private CloseableHttpClient client;
    private CloseableHttpClient allowedClient;
    private boolean closed;

    Webhooks(JobSettings settings, JobMetrics metrics, ScheduledExecutorService timer, ExecutorService senders,
             BiConsumer<String, Delivery> record) {
        this.keys = settings.webhookKeys;
        this.callbacks = new CallbackUrls(settings.callbackResolver, settings.internalAddress, settings.allowPrivateCallbacks,
                settings.allowedCallbackUrl);
        this.schedule = settings.webhookRetries;
        this.maxPending = settings.webhookMaxPendingRetries;
        this.timeout = settings.webhookTimeout;
        this.clock = settings.clock;
        this.metrics = metrics;
        this.timer = timer;
        this.senders = senders;
        this.record = record;
        metrics.webhooks(schedule, pending);
    }

    boolean enabled() {
        return keys != null;
    }

    /** Refuses a callback URL at submission; the message is fit for the client. */
    void check(String url) throws CallbackUrls.Refused {
        callbacks.check(url);
    }

    /** Starts delivering {@code body} (the job's JSON) to {@code url} under the delivery id {@code deliveryId}. */
    void deliver(String jobId, String url, String deliveryId, byte[] body) {
        send(new Attempt(jobId, url, deliveryId, body, 1));
    }

    /** Closes the client, aborting attempts in flight; retries still waiting are the timer's to drop. */
    void close() {
        clientLock.lock();
        try {
            closed = true;
            if (client != null) {
                client.close(CloseMode.IMMEDIATE);
            }
            if (allowedClient != null) {
                allowedClient.close(CloseMode.IMMEDIATE);
            }
        } finally {
            clientLock.unlock();
        }
    }

    /** Attempt {@code number} (1 for the first) of delivery {@code deliveryId}. */
    record Attempt(String jobId, String url, String deliveryId, byte[] body, int number) {
        Attempt next() {
            return new Attempt(jobId, url, deliveryId, body, number + 1);
        }
    }

    private void send(Attempt attempt) {
        try {
            senders.execute(() -> attempt(attempt));
        } catch (RejectedExecutionException e) {
            log.debug("Webhook for job {} dropped: the jobs are stopping", attempt.jobId());
        }
    }

    /** What an attempt came to: see {@link Delivery#outcome()}. */
    record Outcome(Integer status, String name, String detail) {
        boolean retried() {
            return name.equals("failed") || name.equals("error");
        }
    }

    private void attempt(Attempt attempt) {
        Outcome outcome;
        try {
            outcome = post(attempt);
        } catch (RejectedExecutionException e) {
            log.debug("Webhook for job {} dropped: the jobs are stopping", attempt.jobId());
            return;
        }
        if (outcome == null) {
            return;
        }
        recorded(attempt, outcome);
        if (outcome.retried()) {
            retry(attempt, outcome.detail());
        }
    }

    /** Counts the attempt's outcome and records it on its job; returns it as recorded. */
    Delivery recorded(Attempt attempt, Outcome outcome) {
        metrics.delivery(outcome.name());
        Delivery delivery = new Delivery(attempt.deliveryId(), attempt.number(), clock.instant(), outcome.status(),
                outcome.name(), outcome.detail());
        record.accept(attempt.jobId(), delivery);
        return delivery;
    }

    /** Whether {@link #close()} has been called: an attempt ending now may have been cut short by it. */
    boolean closed() {
        clientLock.lock();
        try {
            return closed;
        } finally {
            clientLock.unlock();
        }
    }

    /**
     * One attempt, bounded by the timeout as a whole, its URL checked as it connects; {@code null} if
     * the client has been closed.
     */
    Outcome post(Attempt attempt) {
        HttpPost post;
        URI uri;
        try {
            uri = CallbackUrls.parse(attempt.url());
            post = request(attempt, uri);
        } catch (CallbackUrls.Refused e) {
            return new Outcome(null, "refused", e.getMessage());
        }
        CloseableHttpClient http = client(callbacks.isAllowed(uri));
        if (http == null) {
            return null;
        }
        ScheduledFuture<?> deadline = timer.schedule(post::cancel, timeout.toNanos(), TimeUnit.NANOSECONDS);
        try (ClassicHttpResponse response = http.executeOpen(null, post, null)) {
            int status = response.getCode();
            return status / 100 == 2 ? new Outcome(status, "delivered", null)
                    : new Outcome(status, "failed", "The receiver answered " + status);
        } catch (IOException e) {
            RefusedAddress refused = refusal(e);
            if (refused != null) {
                return new Outcome(null, "refused", refused.getMessage());
            }
            return new Outcome(null, "error", post.isCancelled() ? "No response within " + RetrySchedule.human(timeout)
                    : "No response: " + e.getClass().getSimpleName());
        } finally {
            deadline.cancel(false);
        }
    }

    /** The attempt's request, signed now: a retry carries its own timestamp, so it passes a receiver's tolerance. */
    private HttpPost request(Attempt attempt, URI uri) {
        long timestamp = clock.instant().getEpochSecond();
        HttpPost post = new HttpPost(uri);
        post.setHeader(ID, attempt.deliveryId());
        post.setHeader(TIMESTAMP, Long.toString(timestamp));
        post.setHeader(SIGNATURE, WebhookSignatures.header(keys, attempt.deliveryId(), timestamp, attempt.body()));
        post.setHeader(ATTEMPT, Integer.toString(attempt.number()));
        post.setEntity(new ByteArrayEntity(attempt.body(), JSON));
        return post;
    }

    private void retry(Attempt failed, String detail) {
        if (exhausted(failed, detail)) {
            return;
        }
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            backlogged(failed);
            return;
        }
        Duration wait = waitAfter(failed);
        try {
            timer.schedule(() -> {
                pending.decrementAndGet();
                send(failed.next());
            }, wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            log.debug("Webhook retry for job {} dropped: the jobs are stopping", failed.jobId());
        }
    }

    /** Whether the schedule has no attempt left after {@code failed}; if so, the delivery is given up, logged and counted. */
    boolean exhausted(Attempt failed, String detail) {
        if (schedule.retriesAfter(failed.number())) {
            return false;
        }
        metrics.abandoned("exhausted");
        log.warn("Giving up delivering job {} to its callback after {} ({})", failed.jobId(), schedule.describe(), detail);
        return true;
    }

    /** Whether {@code waiting} deliveries already waiting for a retry leave no room for one more; if so, {@code failed}'s is given up. */
    boolean backlogged(Attempt failed, int waiting) {
        if (waiting < maxPending) {
            return false;
        }
        backlogged(failed);
        return true;
    }

    private void backlogged(Attempt failed) {
        metrics.abandoned("backlog");
        log.warn("Not retrying the webhook of job {}: {} deliveries already wait for a retry", failed.jobId(), maxPending);
    }

    /** The wait before the attempt after {@code failed}, per the schedule. */
    Duration waitAfter(Attempt failed) {
        return schedule.waitAfter(failed.number(), ThreadLocalRandom.current());
    }

    /** With a shared store: the deliveries waiting for a retry in the store, as last counted, for the gauge. */
    void waiting(int count) {
        pending.set(count);
    }

    private static RefusedAddress refusal(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof RefusedAddress refused) {
                return refused;
            }
        }
        return null;
    }

    /**
     * The client for every URL but the allowed one, or for the allowed one, made at its first delivery;
     * {@code null} once closed.
     */
    private CloseableHttpClient client(boolean allowedUrl) {
        clientLock.lock();
        try {
            if (closed) {
                return null;
            }
            if (allowedUrl) {
                if (allowedClient == null) {
                    allowedClient = build(new AllowedResolver(callbacks));
                }
                return allowedClient;
            }
            if (client == null) {
                client = build(new CheckingResolver(callbacks));
            }
            return client;
        } finally {
            clientLock.unlock();
        }
    }

    private CloseableHttpClient build(DnsResolver resolver) {
        Timeout limit = Timeout.ofMilliseconds(Math.max(1, timeout.toMillis()));
        return HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(resolver)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(limit).setSocketTimeout(limit).build())
                        .setMaxConnPerRoute(MAX_CONNECTIONS_PER_HOST)
                        .setMaxConnTotal(MAX_CONNECTIONS)
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(limit).setResponseTimeout(limit).setRedirectsEnabled(false).build())
                .setRoutePlanner(new DefaultRoutePlanner(DefaultSchemePortResolver.INSTANCE))   // never a proxy
                .setConnectionReuseStrategy((request, response, context) -> false)           // a check per attempt
                .setUserAgent("Spindle-Webhook")
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .build();
    }

    /** The client's only way from a host name to addresses: resolved once, checked, returned as checked. */
    private record CheckingResolver(CallbackUrls callbacks) implements DnsResolver {

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            try {
                return callbacks.addresses(host);
            } catch (CallbackUrls.Refused e) {
                throw new RefusedAddress(e.getMessage());
            }
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }

    /**
     * The allowed URL's client's only way to addresses: the allowed host for the allowed port, and
     * nothing else; a lookup without a port is refused, as its port cannot be checked.
     */
    private record AllowedResolver(CallbackUrls callbacks) implements DnsResolver {

        @Override
        public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
            InetAddress[] addresses;
            try {
                addresses = callbacks.allowedAddresses(host, port);
            } catch (CallbackUrls.Refused e) {
                throw new RefusedAddress(e.getMessage());
            }
            List<InetSocketAddress> endpoints = new ArrayList<>(addresses.length);
            for (InetAddress address : addresses) {
                endpoints.add(new InetSocketAddress(address, port));
            }
            return endpoints;
        }

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            throw new RefusedAddress("callbackUrl points to a loopback, private or link-local address");
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }

    /** A refusal on its way out of the client, which lets a resolver throw nothing else. */
    private static final class RefusedAddress extends UnknownHostException {
        RefusedAddress(String message) {
            super(message);
        }
    }
}

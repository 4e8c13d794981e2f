package dev.spindle.jobs;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers finished jobs to their callback URLs: a signed POST per attempt, retried with backoff on
 * a non-2xx answer or no answer, each attempt recorded on the job. Attempts run on the senders
 * executor (virtual threads), waits between them on the jobs timer, so no thread sleeps.
 */
final class Webhooks {

    static final String SIGNATURE = "X-Spindle-Signature";
    static final String DELIVERY = "X-Spindle-Delivery";
    static final String ATTEMPT = "X-Spindle-Attempt";

    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);

    private final byte[] secret;
    private final boolean allowPrivate;
    private final int maxAttempts;
    private final Duration timeout;
    private final Backoff backoff;
    private final Clock clock;
    private final JobMetrics metrics;
    private final ScheduledExecutorService timer;
    private final ExecutorService senders;
    private final BiConsumer<String, Delivery> record;
    private final ReentrantLock clientLock = new ReentrantLock();
    private HttpClient client;

    Webhooks(JobSettings settings, JobMetrics metrics, ScheduledExecutorService timer, ExecutorService senders,
             BiConsumer<String, Delivery> record) {
        this.secret = settings.webhookSecret;
        this.allowPrivate = settings.allowPrivateCallbacks;
        this.maxAttempts = settings.webhookMaxAttempts;
        this.timeout = settings.webhookTimeout;
        this.backoff = new Backoff(settings.webhookBackoff, settings.webhookMaxBackoff,
                () -> ThreadLocalRandom.current().nextLong());   // sender threads share it
        this.clock = settings.clock;
        this.metrics = metrics;
        this.timer = timer;
        this.senders = senders;
        this.record = record;
    }

    boolean enabled() {
        return secret != null;
    }

    /** Refuses a callback URL at submission; the message is fit for the client. */
    void check(String url) throws CallbackUrls.Refused {
        CallbackUrls.check(url, allowPrivate);
    }

    /** Starts delivering {@code body} (the job's JSON) to {@code url}. */
    void deliver(String jobId, String url, String deliveryId, byte[] body) {
        schedule(new Attempt(jobId, url, deliveryId, body, sign(body), 1), Duration.ZERO);
    }

    /** {@code sha256=} and the lowercase hex HMAC-SHA256 of {@code body} under the secret. */
    String sign(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    void close() {
        clientLock.lock();
        try {
            if (client != null) {
                client.shutdownNow();
            }
        } finally {
            clientLock.unlock();
        }
    }

    private record Attempt(String jobId, String url, String deliveryId, byte[] body, String signature, int number) {
        Attempt next() {
            return new Attempt(jobId, url, deliveryId, body, signature, number + 1);
        }
    }

    private void schedule(Attempt attempt, Duration delay) {
        try {
            if (delay.isZero()) {
                senders.execute(() -> send(attempt));
            } else {
                timer.schedule(() -> schedule(attempt, Duration.ZERO), delay.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (RejectedExecutionException e) {
            log.debug("Webhook for job {} dropped: the jobs are stopping", attempt.jobId());
        }
    }

    private void send(Attempt attempt) {
        Integer status = null;
        String outcome;
        String detail = null;
        try {
            URI uri = CallbackUrls.check(attempt.url(), allowPrivate);
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "Spindle-Webhook")
                    .header(SIGNATURE, attempt.signature())
                    .header(DELIVERY, attempt.deliveryId())
                    .header(ATTEMPT, Integer.toString(attempt.number()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(attempt.body()))
                    .build();
            HttpResponse<Void> response = client().send(request, HttpResponse.BodyHandlers.discarding());
            status = response.statusCode();
            outcome = status / 100 == 2 ? "delivered" : "failed";
            if (status / 100 != 2) {
                detail = "The receiver answered " + status;
            }
        } catch (CallbackUrls.Refused e) {
            outcome = "refused";
            detail = e.getMessage();
        } catch (IOException e) {
            outcome = "error";
            detail = "No response: " + e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        metrics.delivery(outcome);
        record.accept(attempt.jobId(), new Delivery(attempt.deliveryId(), attempt.number(), clock.instant(), status,
                outcome, detail));
        boolean retry = outcome.equals("failed") || outcome.equals("error");
        if (retry && attempt.number() < maxAttempts) {
            schedule(attempt.next(), backoff.after(attempt.number()));
        } else if (retry) {
            log.warn("Giving up delivering job {} to its callback after {} attempts ({})", attempt.jobId(),
                    attempt.number(), detail);
        }
    }

    private HttpClient client() {
        clientLock.lock();
        try {
            if (client == null) {
                client = HttpClient.newBuilder()
                        .executor(senders)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .connectTimeout(timeout)
                        .build();
            }
            return client;
        } finally {
            clientLock.unlock();
        }
    }
}

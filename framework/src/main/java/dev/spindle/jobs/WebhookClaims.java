package dev.spindle.jobs;

import dev.spindle.internal.threading.Dispatchers;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook deliveries with a shared store, made by whichever instance claims them. The write that
 * finishes a job with a callback URL queued its delivery in the store; here a claim thread
 * ({@code spindle-jobs-webhook-claim-1}) claims due deliveries while this instance has fewer than
 * {@link Webhooks#MAX_CONNECTIONS} attempts in flight, and each attempt runs on a webhook virtual
 * thread, signed with this instance's secrets under the delivery's id, and is recorded in the store:
 * the delivery ends, or is due again per the retry schedule. The thread is woken when a job ends here
 * and when a retry this instance scheduled falls due, and looks at least every
 * {@link JobSettings#resync}, which is how deliveries queued or failed by other instances, or left by
 * one that died, are found.
 *
 * <p>A claim lasts {@link JobSettings#lease} plus {@link JobSettings#webhookTimeout}, longer than an
 * attempt can take, so it needs no renewing; a claim left by an instance that died lapses after that
 * and the delivery is attempted again, under the same id: at least once, never twice at once. On
 * stop, claims whose attempt had not ended are given back at once.
 */
final class WebhookClaims {

    private static final Logger log = LoggerFactory.getLogger(WebhookClaims.class);

    private final JobStore store;
    private final Webhooks webhooks;
    private final Function<Job, byte[]> body;
    private final Duration lease;
    private final Duration resync;
    private final ScheduledExecutorService timer;
    private final ExecutorService senders;
    /** Claims whose attempt has not been recorded, by delivery id. */
    private final Map<String, JobStore.WebhookClaim> inFlight = new ConcurrentHashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private final Thread claimer;
    private volatile boolean stopped;

    /** @param body the webhook body of a finished job */
    WebhookClaims(JobSettings settings, JobStore store, Webhooks webhooks, Function<Job, byte[]> body,
                  JobThreads threads) {
        this.store = store;
        this.webhooks = webhooks;
        this.body = body;
        this.lease = settings.lease.plus(settings.webhookTimeout);
        this.resync = settings.resync;
        this.timer = threads.timer();
        this.senders = threads.webhooks();
        this.claimer = Dispatchers.daemonThreads("jobs-webhook-claim").newThread(this::claimLoop);
        claimer.start();
    }

    /** Looks for due deliveries now: a job with a callback URL ended here. Never blocks. */
    void wake() {
        wake.release();
    }

    /** Claims no more; attempts in flight go on until the webhook client is closed. */
    void stop() {
        stopped = true;
        claimer.interrupt();
    }

    /**
     * Gives back the claims whose attempt has no outcome yet, once the webhook client is closed. An
     * attempt that got its answer first keeps its claim and records it, so a delivery the receiver
     * took is not given back to be sent again.
     */
    void release() {
        inFlight.forEach((id, claim) -> {
            if (inFlight.remove(id, claim)) {
                release(claim);
            }
        });
    }

    private void claimLoop() {
        long lastResync = System.nanoTime() - resync.toNanos();
        while (!stopped) {
            try {
                if (System.nanoTime() - lastResync >= resync.toNanos()) {
                    lastResync = System.nanoTime();
                    webhooks.waiting(store.webhooksWaiting());
                }
                while (!stopped && inFlight.size() < Webhooks.MAX_CONNECTIONS) {
                    Optional<JobStore.WebhookClaim> next = store.claimWebhook(lease);
                    if (next.isEmpty()) {
                        break;
                    }
                    send(next.get());
                }
                wake.tryAcquire(resync.toNanos(), TimeUnit.NANOSECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (stopped) {
                    return;
                }
                log.warn("Claiming webhook deliveries failed; trying again in {}", resync, e);
                try {
                    Thread.sleep(resync.toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void send(JobStore.WebhookClaim claim) {
        inFlight.put(claim.deliveryId(), claim);
        try {
            senders.execute(() -> attempt(claim));
        } catch (RejectedExecutionException e) {
            inFlight.remove(claim.deliveryId());
            release(claim);
        }
    }

    private void attempt(JobStore.WebhookClaim claim) {
        try {
            Job job = claim.job();
            Webhooks.Attempt attempt = new Webhooks.Attempt(job.id(), job.callbackUrl(), claim.deliveryId(),
                    body.apply(job), claim.attempt());
            Webhooks.Outcome outcome = webhooks.post(attempt);
            if (outcome == null || outcome.name().equals("error") && webhooks.closed()) {
                release(claim);   // cut short by this instance stopping: the receiver is not to blame
                return;
            }
            if (!inFlight.remove(claim.deliveryId(), claim)) {
                log.debug("Webhook {} of job {}: given back by the stop before its answer came; another instance repeats it",
                        claim.deliveryId(), job.id());
                return;
            }
            Duration retryIn = outcome.retried() ? retryIn(attempt, outcome) : null;
            Delivery delivery = webhooks.recorded(attempt, outcome);
            if (!store.webhookAttempted(claim, delivery, retryIn)) {
                log.warn("Webhook {} of job {}: the claim lapsed during attempt {}; another instance may repeat it",
                        claim.deliveryId(), job.id(), claim.attempt());
            } else if (retryIn != null) {
                timer.schedule(this::wake, retryIn.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (RejectedExecutionException e) {
            log.debug("Webhook retry of {} left to the next look: the jobs are stopping", claim.deliveryId());
        } catch (RuntimeException e) {
            log.warn("Recording webhook {} failed; it is attempted again once its claim lapses", claim.deliveryId(), e);
        } finally {
            inFlight.remove(claim.deliveryId(), claim);
            wake.release();
        }
    }

    /** The wait before the next attempt after a failed one, or {@code null} if the delivery is given up. */
    private Duration retryIn(Webhooks.Attempt failed, Webhooks.Outcome outcome) {
        if (webhooks.exhausted(failed, outcome.detail())) {
            return null;
        }
        int waiting = store.webhooksWaiting();
        webhooks.waiting(waiting);
        return webhooks.backlogged(failed, waiting) ? null : webhooks.waitAfter(failed);
    }

    private void release(JobStore.WebhookClaim claim) {
        try {
            store.releaseWebhook(claim);
        } catch (RuntimeException e) {
            log.warn("Could not give back webhook {}; it is attempted again once its claim lapses", claim.deliveryId(), e);
        }
    }
}

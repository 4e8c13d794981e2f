package dev.spindle.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Where job snapshots live. The default, {@link #inMemory()}, keeps them in this process: enough for
 * one instance, which runs every job it accepts.
 *
 * <p>A <b>shared</b> store ({@link #shared()} true; {@code dev.spindle.postgres.PostgresJobStore} is
 * one) lets several instances behind a load balancer act as one: a submission only queues the job in
 * the store, and each instance's jobs claim queued jobs of the kinds it has registered
 * ({@link JobSettings#kind}) and run them under a lease they renew. Every write an instance makes to a
 * job it runs is fenced by its lease and by the job's version ({@link #update}), so an instance that
 * lost its lease cannot overwrite what another one now does. Changes reach the other instances
 * through {@link #listen}, which wakes their long polls and event streams. Webhooks too are the
 * store's: the write that finishes a job with a callback URL queues its delivery in the same
 * transaction, and any instance claims it ({@link #claimWebhook}), signs it and records each attempt
 * ({@link #webhookAttempted}), so a delivery survives the instance that ended the job. A shared store
 * implements every method below; one that is not may leave those after {@link #finished()} as they are.
 *
 * <p><b>Threading:</b> implementations must be safe for concurrent use. Calls come from job threads,
 * request handler threads, the jobs timer and the jobs' claim thread; they may block briefly (a store
 * round trip) but never run on an IO thread.
 */
public interface JobStore {

    /** Inserts or replaces the snapshot with {@code job.id()}. */
    void save(Job job);

    /** The snapshot with this id, if any. */
    Optional<Job> find(String id);

    /** Up to {@code limit} snapshots, newest first, skipping the first {@code offset}. */
    List<Job> list(int offset, int limit);

    /** How many snapshots are stored. */
    int count();

    /** Removes the snapshot with this id, if any. */
    void remove(String id);

    /** Every stored snapshot that has finished (for expiry sweeps). */
    List<Job> finished();

    /**
     * Whether several instances share this store. Then submissions are only queued here, jobs run
     * where they are claimed, and only jobs of registered kinds can be submitted. Default false.
     */
    default boolean shared() {
        return false;
    }

    /**
     * A lease on one job: the snapshot claimed, the token that fences the claimant's writes, and
     * which attempt this is (1 for the first claim of a job).
     */
    record Claim(Job job, String token, int attempt) {
    }

    /**
     * Claims the oldest due {@code QUEUED} job of one of {@code kinds} whose lease, if any, has run
     * out, leasing it for {@code lease}; empty if there is none. The job stays {@code QUEUED} until
     * its claimant starts it with {@link #update}. Two instances never claim the same job at once.
     */
    default Optional<Claim> claim(Set<String> kinds, Duration lease) {
        throw new UnsupportedOperationException("Only a shared store claims jobs");
    }

    /**
     * Saves {@code next}, a change by the claimant, only if the stored job still carries the claim's
     * token and is at version {@code next.version() - 1}; a finished {@code next} also ends the lease,
     * and if it has a callback URL, queues its webhook delivery in the same transaction (due now, under
     * a new delivery id, with {@code next} to make the body from), so no job ends without it.
     *
     * @return whether it was saved: {@code false} means the claim is lost and the job is someone else's
     */
    default boolean update(Job next, Claim claim) {
        throw new UnsupportedOperationException("Only a shared store fences writes");
    }

    /**
     * Extends the leases of {@code claims} by {@code lease} from now.
     *
     * @return the ids of those whose lease was lost (another claimant, or the job was changed by someone else)
     */
    default Set<String> renew(Collection<Claim> claims, Duration lease) {
        throw new UnsupportedOperationException("Only a shared store has leases");
    }

    /**
     * Saves {@code next} only if the stored job is at version {@code next.version() - 1}, dropping any
     * lease; a {@code QUEUED} {@code next} is claimable from {@code due}, else {@code due} is ignored.
     * How an instance changes a job it does not run (cancelling it, requeueing it, failing it by the
     * lease policy) and a finished one (expiring it, recording a webhook attempt on it). A
     * {@code next} that finishes an unfinished job and has a callback URL queues its webhook delivery
     * as {@link #update} does; a change to a finished job queues none.
     *
     * @return whether it was saved
     */
    default boolean compareAndSet(Job next, Instant due) {
        throw new UnsupportedOperationException("Only a shared store compares and sets");
    }

    /** Up to {@code limit} unfinished jobs whose lease has run out, as the claims that lapsed. */
    default List<Claim> lapsed(int limit) {
        throw new UnsupportedOperationException("Only a shared store has leases");
    }

    /**
     * Calls {@code changed} with the id and version of every job saved from now on by any instance,
     * on a thread of the store's, until the returned handle is closed. Notifications may be lost (a
     * dropped connection): the jobs re-read what they follow at {@link JobSettings#resync} as well.
     */
    default AutoCloseable listen(BiConsumer<String, Long> changed) {
        throw new UnsupportedOperationException("Only a shared store notifies");
    }

    /**
     * A webhook delivery leased to one instance: its id (sent as {@code webhook-id} on every attempt,
     * whoever makes it), the job as it finished (the body is made from it), which attempt this claim
     * makes (1 for the first; an attempt cut short by its instance stopping or dying counts), and the
     * token that fences the claimant's writes.
     */
    record WebhookClaim(String deliveryId, Job job, int attempt, String token) {
    }

    /**
     * Claims the pending webhook delivery due soonest, if one is due and not leased (or its lease ran
     * out), leasing it for {@code lease}: long enough for one attempt, as leases of deliveries are not
     * renewed. Two instances never claim the same delivery at once; one whose claimant died is claimed
     * again once the lease runs out, under the same delivery id.
     */
    default Optional<WebhookClaim> claimWebhook(Duration lease) {
        throw new UnsupportedOperationException("Only a shared store queues webhooks");
    }

    /**
     * Records the claim's attempt on the delivery, if the claim still holds, and ends the lease. With
     * {@code retryIn} not {@code null} the attempt failed and the delivery is due again that long from
     * now, keeping the attempt's status, outcome and detail as the last; with {@code null} the delivery
     * has ended (delivered, refused, or given up) and is forgotten.
     *
     * @return whether it was recorded: {@code false} means the claim was lost, and another instance may
     *         be making the next attempt
     */
    default boolean webhookAttempted(WebhookClaim claim, Delivery attempt, Duration retryIn) {
        throw new UnsupportedOperationException("Only a shared store queues webhooks");
    }

    /**
     * Gives a claimed delivery back without an outcome, due as it was, for another instance to attempt
     * at once: its claimant is stopping. Nothing happens if the claim was lost.
     */
    default void releaseWebhook(WebhookClaim claim) {
        throw new UnsupportedOperationException("Only a shared store queues webhooks");
    }

    /** Deliveries waiting for a retry: with an attempt recorded, not ended and not claimed now. */
    default int webhooksWaiting() {
        throw new UnsupportedOperationException("Only a shared store queues webhooks");
    }

    /** A store in this process's memory. */
    static JobStore inMemory() {
        return new InMemoryJobStore();
    }
}

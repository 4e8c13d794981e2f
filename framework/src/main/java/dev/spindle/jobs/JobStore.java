package dev.spindle.jobs;

import java.util.List;
import java.util.Optional;

/**
 * Where job snapshots live. The default, {@link #inMemory()}, keeps them in this process: enough for
 * one instance. To run several instances behind a load balancer, implement this over a shared store
 * (a database, Redis): then any instance can answer {@code GET /jobs/{id}}. Long polling and event
 * streams are still only woken by the instance running the job; with a shared store, route a job's
 * requests to its instance or fall back to polling.
 *
 * <p><b>Threading:</b> implementations must be safe for concurrent use. Calls come from job threads,
 * request handler threads and the jobs timer; they may block briefly (a store round trip) but never
 * run on an IO thread.
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

    /** A store in this process's memory. */
    static JobStore inMemory() {
        return new InMemoryJobStore();
    }
}

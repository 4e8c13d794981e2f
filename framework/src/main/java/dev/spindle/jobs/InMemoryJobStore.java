package dev.spindle.jobs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/** The default {@link JobStore}: a concurrent map, plus an index by creation order for listing. */
final class InMemoryJobStore implements JobStore {

    private record Key(java.time.Instant createdAt, String id) {
    }

    private static final Comparator<Key> NEWEST_FIRST =
            Comparator.comparing(Key::createdAt).thenComparing(Key::id).reversed();

    private final ConcurrentHashMap<String, Job> jobs = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Key> order = new ConcurrentSkipListSet<>(NEWEST_FIRST);

    @Override
    public void save(Job job) {
        if (jobs.put(job.id(), job) == null) {
            order.add(new Key(job.createdAt(), job.id()));
        }
    }

    @Override
    public Optional<Job> find(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    @Override
    public List<Job> list(int offset, int limit) {
        List<Job> page = new ArrayList<>(Math.min(limit, 100));
        int skipped = 0;
        for (Key key : order) {
            Job job = jobs.get(key.id());
            if (job == null) {
                continue;
            }
            if (skipped++ < offset) {
                continue;
            }
            if (page.size() == limit) {
                break;
            }
            page.add(job);
        }
        return page;
    }

    @Override
    public int count() {
        return jobs.size();
    }

    @Override
    public void remove(String id) {
        Job removed = jobs.remove(id);
        if (removed != null) {
            order.remove(new Key(removed.createdAt(), removed.id()));
        }
    }

    @Override
    public List<Job> finished() {
        return jobs.values().stream().filter(job -> job.state().isFinished()).toList();
    }
}

package dev.spindle.jobs;

import dev.spindle.Spindle;
import dev.spindle.json.JsonMapper;
import dev.spindle.postgres.Postgres;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Spindle apps on port 0 standing for instances of one service, sharing a PostgreSQL schema. Their
 * {@code POST /work?gate=g&callback=url} enqueues a job of kind {@code gate} whose work, on the
 * instance named by the gate's {@code blockOn}, reports 10 % and waits for the gate's release;
 * elsewhere it returns at once. The result names the instance that ran it; the callback URL, if
 * given, gets its webhook.
 */
final class Instances {

    record GateInput(String gate) {
    }

    static final class Gate {
        final String blockOn;
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);

        Gate(String blockOn) {
            this.blockOn = blockOn;
        }

        void awaitStarted() throws InterruptedException {
            await(started, "the job never started");
        }
    }

    static final Map<String, Gate> GATES = new ConcurrentHashMap<>();
    static final Map<String, Integer> RUNS = new ConcurrentHashMap<>();

    record Instance(String name, Spindle app, Jobs jobs, Postgres db) implements AutoCloseable {
        @Override
        public void close() {
            app.stop();
            db.close();
        }
    }

    private Instances() {
    }

    /** An instance that runs gate jobs if {@code runs}, configured further by {@code setup}. */
    static Instance start(String name, Postgres db, boolean runs, Function<JobStore, JobStore> store,
                          Consumer<JobSettings> setup) {
        Spindle app = Spindle.create(config -> config.port(0));
        Jobs jobs = Jobs.install(app, settings -> {
            settings.store(store.apply(db.jobStore())).lease(Duration.ofSeconds(30));
            if (runs) {
                settings.kind("gate", GateInput.class, (job, input) -> work(name, job, input));
            }
            setup.accept(settings);
        });
        app.post("/work", ctx -> jobs.enqueue(ctx, "gate", new GateInput(ctx.queryParam("gate")),
                ctx.queryParam("callback")));
        app.start(0);
        return new Instance(name, app, jobs, db);
    }

    private static Object work(String instance, JobHandle job, GateInput input) throws InterruptedException {
        RUNS.merge(job.id(), 1, Integer::sum);
        Gate gate = input.gate() == null ? null : GATES.get(input.gate());
        if (gate != null && gate.blockOn.equals(instance)) {
            job.progress(10, "started on " + instance);
            gate.started.countDown();
            try {
                gate.release.await();
            } catch (InterruptedException e) {
                gate.interrupted.countDown();
                throw e;
            }
            job.progress(90, "almost");
        }
        return Map.of("ranOn", instance);
    }

    /** A store that forgets to renew leases, as an instance that stalls (a long GC pause, a frozen VM). */
    static JobStore withoutHeartbeat(JobStore store) {
        return new Forwarding(store) {
            @Override
            public Set<String> renew(Collection<Claim> claims, Duration lease) {
                return Set.of();
            }
        };
    }

    /** A store through which an instance never claims a webhook delivery, as one that stops before it gets to one. */
    static JobStore withoutWebhookClaims(JobStore store) {
        return new Forwarding(store) {
            @Override
            public Optional<WebhookClaim> claimWebhook(Duration lease) {
                return Optional.empty();
            }
        };
    }

    /**
     * A store through which an instance claims one webhook delivery and then neither records its
     * attempt in the delivery nor gives it back, nor claims again: an instance that died during its
     * first attempt, its claim left to lapse.
     */
    static JobStore dyingDuringItsFirstWebhook(JobStore store) {
        AtomicBoolean claimed = new AtomicBoolean();
        return new Forwarding(store) {
            @Override
            public Optional<WebhookClaim> claimWebhook(Duration lease) {
                return claimed.get() ? Optional.empty() : store.claimWebhook(lease).map(claim -> {
                    claimed.set(true);
                    return claim;
                });
            }

            @Override
            public boolean webhookAttempted(WebhookClaim claim, Delivery attempt, Duration retryIn) {
                return false;
            }

            @Override
            public void releaseWebhook(WebhookClaim claim) {
            }
        };
    }

    /** Every call to the store it wraps, for a test to change some. */
    private static class Forwarding implements JobStore {
        private final JobStore store;

        Forwarding(JobStore store) {
            this.store = store;
        }

        public void save(Job job) {
            store.save(job);
        }

        public Optional<Job> find(String id) {
            return store.find(id);
        }

        public List<Job> list(int offset, int limit) {
            return store.list(offset, limit);
        }

        public int count() {
            return store.count();
        }

        public void remove(String id) {
            store.remove(id);
        }

        public List<Job> finished() {
            return store.finished();
        }

        public boolean shared() {
            return true;
        }

        public Optional<Claim> claim(Set<String> kinds, Duration lease) {
            return store.claim(kinds, lease);
        }

        public boolean update(Job next, Claim claim) {
            return store.update(next, claim);
        }

        public Set<String> renew(Collection<Claim> claims, Duration lease) {
            return store.renew(claims, lease);
        }

        public boolean compareAndSet(Job next, Instant due) {
            return store.compareAndSet(next, due);
        }

        public List<Claim> lapsed(int limit) {
            return store.lapsed(limit);
        }

        public AutoCloseable listen(BiConsumer<String, Long> changed) {
            return store.listen(changed);
        }

        public Optional<WebhookClaim> claimWebhook(Duration lease) {
            return store.claimWebhook(lease);
        }

        public boolean webhookAttempted(WebhookClaim claim, Delivery attempt, Duration retryIn) {
            return store.webhookAttempted(claim, attempt, retryIn);
        }

        public void releaseWebhook(WebhookClaim claim) {
            store.releaseWebhook(claim);
        }

        public int webhooksWaiting() {
            return store.webhooksWaiting();
        }
    }

    static final HttpClient HTTP = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    static HttpRequest.Builder request(Instance instance, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.app().port() + path))
                .timeout(Duration.ofSeconds(90));
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST /work?gate=…} on the instance; the new job's id. */
    static String submit(Instance instance, String gate) throws Exception {
        return submit(instance, gate, null);
    }

    /** {@code POST /work?gate=…&callback=…} on the instance; the new job's id. */
    static String submit(Instance instance, String gate, String callback) throws Exception {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        if (gate != null) {
            query.add("gate=" + gate);
        }
        if (callback != null) {
            query.add("callback=" + URLEncoder.encode(callback, StandardCharsets.UTF_8));
        }
        HttpResponse<String> accepted = send(request(instance, "/work" + query).POST(HttpRequest.BodyPublishers.noBody()));
        if (accepted.statusCode() != 202) {
            throw new AssertionError("submission answered " + accepted.statusCode() + ": " + accepted.body());
        }
        return (String) json(accepted.body()).get("id");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String body) {
        return JsonMapper.jackson().read(body.getBytes(StandardCharsets.UTF_8), Map.class);
    }

    @SuppressWarnings("unchecked")
    static Object at(Map<String, Object> json, String path) {
        Object value = json;
        for (String key : path.split("\\.")) {
            value = ((Map<String, Object>) value).get(key);
        }
        return value;
    }

    static void await(CountDownLatch latch, String failure) throws InterruptedException {
        if (!latch.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError(failure);
        }
    }
}

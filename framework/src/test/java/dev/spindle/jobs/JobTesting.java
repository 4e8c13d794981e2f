package dev.spindle.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.SpindleConfig;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** Shared pieces of the job tests: an app with a latch-controlled job route, a client, a clock. */
final class JobTesting {

    private JobTesting() {
    }

    /** A job that reports 10 %, waits for {@link #release}, reports 90 % and returns {@code {"answer":42}}. */
    static final class Gate {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);

        JobWork work() {
            return job -> {
                job.progress(10, "started");
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
                job.progress(90, "almost");
                return Map.of("answer", 42);
            };
        }

        void awaitStarted() throws InterruptedException {
            if (!started.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the job never started");
            }
        }
    }

    private static final Map<Spindle, Jobs> JOBS = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** An app whose {@code POST /work} starts {@code gate}'s job (callback URL from {@code ?callback=}). */
    static Spindle app(Gate gate, Consumer<SpindleConfig> config) {
        return start(gate, config, jobs -> { });
    }

    /** As {@link #app}, with the jobs configured by {@code setup}. */
    static Spindle withJobs(Gate gate, Consumer<JobSettings> setup) {
        return start(gate, config -> { }, setup);
    }

    /** As {@link #app}, with the jobs configured by {@code setup}. */
    static Spindle app(Gate gate, Consumer<SpindleConfig> config, Consumer<JobSettings> setup) {
        return start(gate, config, setup);
    }

    private static Spindle start(Gate gate, Consumer<SpindleConfig> config, Consumer<JobSettings> setup) {
        Spindle app = Spindle.create(config.andThen(c -> c.port(0)));
        Jobs jobs = Jobs.install(app, setup);
        JOBS.put(app, jobs);
        app.post("/work", ctx -> jobs.start(ctx, "test", ctx.queryParam("callback"), gate.work()));
        return app.start(0);
    }

    /** The jobs of an app made by {@link #app} or {@link #withJobs}. */
    static Jobs jobs(Spindle app) {
        return JOBS.get(app);
    }

    /** A client whose async work runs on virtual threads, so it adds few platform threads of its own. */
    static HttpClient client() {
        return HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    static HttpResponse<String> get(HttpClient http, Spindle app, String path) throws Exception {
        return http.send(request(app, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(HttpClient http, Spindle app, String path) throws Exception {
        return http.send(request(app, path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> delete(HttpClient http, Spindle app, String path) throws Exception {
        return http.send(request(app, path).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request with a generous timeout, so a server that wrongly holds a request fails the test instead of hanging it. */
    static HttpRequest.Builder request(Spindle app, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).timeout(Duration.ofSeconds(90));
    }

    static JsonPath json(HttpResponse<String> response) {
        return JsonPath.from(response.body());
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        void advance(Duration duration) {
            now.updateAndGet(instant -> instant.plus(duration));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    /** The fields of the next event, read as the SSE spec says: {@code name:value}, one optional space after the colon. */
    static Map<String, String> event(Iterator<String> lines) {
        Map<String, String> event = new LinkedHashMap<>();
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.isEmpty()) {
                if (!event.isEmpty()) {
                    return event;
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                String value = line.substring(colon + 1);
                event.merge(line.substring(0, colon), value.startsWith(" ") ? value.substring(1) : value,
                        (a, b) -> a + "\n" + b);
            }
        }
        assertThat(event).as("an event before the stream ended").isNotEmpty();
        return event;
    }
}

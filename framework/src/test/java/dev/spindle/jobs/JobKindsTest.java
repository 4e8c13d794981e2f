package dev.spindle.jobs;

import static dev.spindle.jobs.JobTesting.client;
import static dev.spindle.jobs.JobTesting.get;
import static dev.spindle.jobs.JobTesting.json;
import static dev.spindle.jobs.JobTesting.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.Spindle;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Named job kinds with the in-memory store: the input goes through JSON, and kinds and lambdas mix. */
class JobKindsTest {

    record Greeting(String name, int times) {
    }

    private final HttpClient http = client();

    @Test
    void a_kind_gets_its_input_back_from_json_and_its_result_is_the_jobs() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Spindle app = Spindle.create(config -> config.port(0));
        Jobs jobs = Jobs.install(app, settings -> settings.kind("greet", Greeting.class, (job, greeting) -> {
            ranOn.set(Thread.currentThread());
            job.progress(50, "half");
            return Map.of("text", ("hello " + greeting.name() + " ").repeat(greeting.times()).trim());
        }));
        app.post("/greet", ctx -> jobs.enqueue(ctx, "greet", ctx.bodyAs(Greeting.class), null));
        app.post("/lambda", ctx -> jobs.start(ctx, "lambda", job -> Map.of("text", "from a lambda")));
        app.start(0);
        try {
            HttpResponse<String> accepted = http.send(request(app, "/greet")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ada\",\"times\":2}"))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).isEqualTo(202);
            String location = accepted.headers().firstValue("Location").orElseThrow();
            HttpResponse<String> done = get(http, app, location + "?wait=30s");
            assertThat(json(done).getString("state")).isEqualTo("SUCCEEDED");
            assertThat(json(done).getString("kind")).isEqualTo("greet");
            assertThat(json(done).getString("result.text")).isEqualTo("hello ada hello ada");
            assertThat(done.body()).doesNotContain("input");
            assertThat(ranOn.get().getName()).startsWith("spindle-virtual-jobs");

            String id = json(done).getString("id");
            assertThat(jobs.find(id).orElseThrow().input()).isEqualTo("{\"name\":\"ada\",\"times\":2}");

            HttpResponse<String> lambda = http.send(request(app, "/lambda").POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> lambdaDone = get(http, app,
                    lambda.headers().firstValue("Location").orElseThrow() + "?wait=30s");
            assertThat(json(lambdaDone).getString("result.text")).isEqualTo("from a lambda");
        } finally {
            app.stop();
        }
    }

    @Test
    void an_unknown_kind_or_a_kind_registered_twice_is_refused() {
        assertThatThrownBy(() -> Jobs.create(settings -> settings
                .kind("a", String.class, (job, input) -> input)
                .kind("a", String.class, (job, input) -> input)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registered twice");
        Jobs jobs = Jobs.create(settings -> settings.kind("a", String.class, (job, input) -> input));
        try {
            assertThatThrownBy(() -> jobs.enqueue("b", "x", null, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("No job kind 'b'");
        } finally {
            jobs.close();
        }
    }
}

package dev.spindle.jobs;

import static dev.spindle.jobs.JobTesting.client;
import static dev.spindle.jobs.JobTesting.get;
import static dev.spindle.jobs.JobTesting.json;
import static dev.spindle.jobs.JobTesting.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.spindle.Spindle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.path.json.JsonPath;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JobWebhookTest {

    private static final String SECRET = "test-secret";

    private final HttpClient http = client();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();
    private HttpServer receiver;

    /** One request the receiver got. */
    record Received(byte[] body, Map<String, List<String>> headers) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    private String startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(body, Map.copyOf(exchange.getRequestHeaders())));
            Integer status = answers.poll();
            exchange.sendResponseHeaders(status == null ? 204 : status, -1);
            exchange.close();
        });
        receiver.start();
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    private Received next() throws InterruptedException {
        Received request = received.poll(20, TimeUnit.SECONDS);
        assertThat(request).as("a webhook request").isNotNull();
        return request;
    }

    private static String hmac(byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    private static String callbackQuery(String url) {
        return "/work?callback=" + URLEncoder.encode(url, StandardCharsets.UTF_8);
    }

    @Test
    void the_finished_job_is_posted_signed_to_the_callback() throws Exception {
        String hook = startReceiver();
        var gate = new JobTesting.Gate();
        gate.release.countDown();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs
                .webhookSecret(SECRET).allowPrivateCallbacks(true));
        try {
            String id = json(post(http, app, callbackQuery(hook))).getString("id");
            Received request = next();
            assertThat(request.header("X-Spindle-Signature")).isEqualTo(hmac(request.body()));
            assertThat(request.header("X-Spindle-Delivery")).isNotBlank();
            assertThat(request.header("Content-Type")).isEqualTo("application/json");
            JsonPath body = JsonPath.from(new String(request.body(), StandardCharsets.UTF_8));
            assertThat(body.getString("id")).isEqualTo(id);
            assertThat(body.getString("state")).isEqualTo("SUCCEEDED");
            assertThat(body.getInt("result.answer")).isEqualTo(42);

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> json(get(http, app, "/jobs/" + id)).getList("deliveries").size() == 1);
            JsonPath job = json(get(http, app, "/jobs/" + id));
            assertThat(job.getString("deliveries[0].outcome")).isEqualTo("delivered");
            assertThat(job.getInt("deliveries[0].status")).isEqualTo(204);
            assertThat(job.getString("deliveries[0].id")).isEqualTo(request.header("X-Spindle-Delivery"));
        } finally {
            app.stop();
        }
    }

    @Test
    void a_failing_receiver_is_retried_and_every_attempt_recorded() throws Exception {
        String hook = startReceiver();
        answers.add(500);
        answers.add(500);
        var registry = new SimpleMeterRegistry();
        var gate = new JobTesting.Gate();
        gate.release.countDown();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs
                .webhookSecret(SECRET).allowPrivateCallbacks(true).meterRegistry(registry)
                .webhookBackoff(Duration.ZERO, Duration.ZERO));
        try {
            String id = json(post(http, app, callbackQuery(hook))).getString("id");
            Received first = next();
            Received second = next();
            Received third = next();
            assertThat(List.of(first, second, third)).extracting(r -> r.header("X-Spindle-Attempt"))
                    .containsExactly("1", "2", "3");
            assertThat(List.of(first, second, third)).extracting(r -> r.header("X-Spindle-Delivery"))
                    .containsOnly(first.header("X-Spindle-Delivery"));
            assertThat(third.header("X-Spindle-Signature")).isEqualTo(hmac(third.body()));

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> json(get(http, app, "/jobs/" + id)).getList("deliveries").size() == 3);
            JsonPath job = json(get(http, app, "/jobs/" + id));
            assertThat(job.getList("deliveries.outcome")).containsExactly("failed", "failed", "delivered");
            assertThat(job.getList("deliveries.status")).containsExactly(500, 500, 204);
            assertThat(registry.get("spindle.webhook.deliveries").tag("outcome", "failed").counter().count()).isEqualTo(2);
            assertThat(registry.get("spindle.webhook.deliveries").tag("outcome", "delivered").counter().count()).isEqualTo(1);
        } finally {
            app.stop();
        }
    }

    @Test
    void internal_and_non_http_callback_urls_are_refused() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.listJobs(true).webhookSecret(SECRET));
        try {
            for (String url : List.of("http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook",
                    "http://10.1.2.3/hook", "http://192.168.0.1/hook", "http://169.254.169.254/latest/meta-data",
                    "http://0.0.0.0/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a00:1::]/", "ftp://example.com/hook", "file:///etc/passwd", "http://user:pw@example.com/",
                    "not a url")) {
                HttpResponse<String> refused = post(http, app, callbackQuery(url));
                assertThat(refused.statusCode()).as(url).isEqualTo(400);
                assertThat(json(refused).getString("detail")).as(url).startsWith("Refused callbackUrl");
            }
            assertThat(json(get(http, app, "/jobs")).getInt("total")).isZero();
        } finally {
            app.stop();
        }
    }

    @Test
    void callbacks_need_a_webhook_secret() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.allowPrivateCallbacks(true));
        try {
            HttpResponse<String> refused = post(http, app, callbackQuery("http://127.0.0.1:9/hook"));
            assertThat(refused.statusCode()).isEqualTo(400);
        } finally {
            app.stop();
        }
    }

    @Test
    void backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        var backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), new java.util.SplittableRandom(7));
        long[] ceilings = {1000, 2000, 4000, 8000, 10000, 10000};
        for (int attempt = 1; attempt <= ceilings.length; attempt++) {
            for (int sample = 0; sample < 50; sample++) {
                long millis = backoff.after(attempt).toMillis();
                assertThat(millis).as("attempt " + attempt).isBetween(ceilings[attempt - 1] / 2, ceilings[attempt - 1]);
            }
        }
        assertThat(new Backoff(Duration.ZERO, Duration.ZERO, new java.util.SplittableRandom()).after(3)).isZero();
        assertThat(backoff.after(200)).isLessThanOrEqualTo(Duration.ofSeconds(10));
    }
}

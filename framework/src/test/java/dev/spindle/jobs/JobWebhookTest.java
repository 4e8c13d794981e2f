package dev.spindle.jobs;

import static dev.spindle.jobs.JobTesting.client;
import static dev.spindle.jobs.JobTesting.get;
import static dev.spindle.jobs.JobTesting.json;
import static dev.spindle.jobs.JobTesting.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.spindle.Spindle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.path.json.JsonPath;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks over real HTTP, on loopback only: receivers bind 127.0.0.1 or 127.0.0.2, and the tests
 * that name a host give it to a scripted resolver, so no name is ever looked up in DNS.
 */
class JobWebhookTest {

    /** A fresh secret per run, in the Standard Webhooks form: no secret here is worth copying. */
    private static final String SECRET = randomSecret();
    private static final InetAddress CHECKED = loopback(2);
    private static final InetAddress PRIVATE = loopback(1);
    /** A policy for these tests: 127.0.0.2 stands for a public address, everything else is internal. */
    private static final Predicate<InetAddress> ONLY_127_0_0_2_IS_PUBLIC = address -> !address.equals(CHECKED);

    private final HttpClient http = client();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Runnable onRequest = () -> { };

    /** One request a receiver got, and what the verifier said of it at that moment. */
    record Received(byte[] body, Map<String, List<String>> headers, String verified) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    static String randomSecret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    private static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A receiver on {@code address}, port {@code port} (0: any), verifying each request with {@code verifier}. */
    private HttpServer receiver(InetAddress address, int port, WebhookVerifier verifier) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 0);
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String verified;
            try {
                verified = verifier.verify(exchange.getRequestHeaders()::getFirst, body);
            } catch (WebhookVerifier.InvalidWebhookException e) {
                verified = "invalid: " + e.getMessage();
            }
            received.add(new Received(body, Map.copyOf(exchange.getRequestHeaders()), verified));
            onRequest.run();
            Integer status = answers.poll();
            exchange.sendResponseHeaders(status == null ? 204 : status, -1);
            exchange.close();
        });
        server.start();
        closeables.add(() -> server.stop(0));
        return server;
    }

    private String receiver(WebhookVerifier verifier) throws IOException {
        HttpServer server = receiver(PRIVATE, 0, verifier);
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** A listener on 127.0.0.1:{@code port} that nothing may connect to; non-blocking, so {@code accept()} tells. */
    private ServerSocketChannel trap(int port) throws IOException {
        ServerSocketChannel trap = ServerSocketChannel.open();
        try {
            trap.bind(new InetSocketAddress(PRIVATE, port));
        } catch (IOException e) {
            trap.close();
            throw e;
        }
        trap.configureBlocking(false);
        closeables.add(trap);
        return trap;
    }

    /** A receiver on 127.0.0.2 and a trap on 127.0.0.1 with the same port, which is returned. */
    private int receiverAndTrap(WebhookVerifier verifier, List<ServerSocketChannel> trap) throws IOException {
        for (int tries = 0; ; tries++) {
            HttpServer server = receiver(CHECKED, 0, verifier);
            int port = server.getAddress().getPort();
            try {
                trap.add(trap(port));
                return port;
            } catch (BindException e) {
                if (tries == 10) {
                    throw e;
                }
            }
        }
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    private Received next() throws InterruptedException {
        Received request = received.poll(20, TimeUnit.SECONDS);
        assertThat(request).as("a webhook request").isNotNull();
        return request;
    }

    private static String callbackQuery(String url) {
        return "/work?callback=" + URLEncoder.encode(url, StandardCharsets.UTF_8);
    }

    private static JsonPath deliveries(HttpClient http, Spindle app, String id, int count) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> json(get(http, app, "/jobs/" + id)).getList("deliveries").size() == count);
        return json(uncheckedGet(http, app, "/jobs/" + id));
    }

    private static HttpResponse<String> uncheckedGet(HttpClient http, Spindle app, String path) {
        try {
            return get(http, app, path);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Spindle finishingAtOnce(java.util.function.Consumer<JobSettings> setup) {
        var gate = new JobTesting.Gate();
        gate.release.countDown();
        return JobTesting.withJobs(gate, setup);
    }

    @Test
    void the_finished_job_is_posted_as_a_standard_webhook_that_the_verifier_accepts() throws Exception {
        String hook = receiver(WebhookVerifier.create(SECRET));
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(true));
        try {
            String id = json(post(http, app, callbackQuery(hook))).getString("id");
            Received request = next();
            assertThat(request.verified()).isEqualTo(request.header("webhook-id")).isNotBlank();
            assertThat(request.header("webhook-timestamp")).matches("[0-9]+");
            assertThat(request.header("webhook-signature")).matches("v1,[A-Za-z0-9+/]{43}=");
            assertThat(request.header("X-Spindle-Signature")).isNull();
            assertThat(request.header("X-Spindle-Delivery")).isNull();
            assertThat(request.header("Content-Type")).isEqualTo("application/json");
            JsonPath body = JsonPath.from(new String(request.body(), StandardCharsets.UTF_8));
            assertThat(body.getString("id")).isEqualTo(id);
            assertThat(body.getString("state")).isEqualTo("SUCCEEDED");
            assertThat(body.getInt("result.answer")).isEqualTo(42);

            JsonPath job = deliveries(http, app, id, 1);
            assertThat(job.getString("deliveries[0].outcome")).isEqualTo("delivered");
            assertThat(job.getInt("deliveries[0].status")).isEqualTo(204);
            assertThat(job.getString("deliveries[0].id")).isEqualTo(request.header("webhook-id"));
        } finally {
            app.stop();
        }
    }

    @Test
    void a_captured_delivery_fails_verification_under_a_new_id_later_or_with_another_body() throws Exception {
        var clock = new JobTesting.MutableClock();
        WebhookVerifier verifier = WebhookVerifier.create(SECRET).withClock(clock);
        String hook = receiver(verifier);
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(true).clock(clock));
        try {
            post(http, app, callbackQuery(hook));
            Received captured = next();
            String id = captured.header("webhook-id");
            String timestamp = captured.header("webhook-timestamp");
            String signature = captured.header("webhook-signature");
            assertThat(verifier.verify(id, timestamp, signature, captured.body())).isEqualTo(id);

            assertThatThrownBy(() -> verifier.verify(id + "x", timestamp, signature, captured.body()))
                    .isInstanceOf(WebhookVerifier.InvalidWebhookException.class).hasMessageContaining("No v1 signature");
            assertThatThrownBy(() -> verifier.verify(id, Long.toString(Long.parseLong(timestamp) + 1), signature,
                    captured.body())).hasMessageContaining("No v1 signature");
            byte[] altered = new String(captured.body(), StandardCharsets.UTF_8).replace("SUCCEEDED", "FAILED")
                    .getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> verifier.verify(id, timestamp, signature, altered)).hasMessageContaining("No v1 signature");

            clock.advance(Duration.ofMinutes(5).plusSeconds(1));
            assertThatThrownBy(() -> verifier.verify(id, timestamp, signature, captured.body()))
                    .isInstanceOf(WebhookVerifier.InvalidWebhookException.class)
                    .hasMessage("The webhook-timestamp is 301 s in the past, beyond the tolerance of 300 s: a replay, "
                            + "or clocks that disagree");
        } finally {
            app.stop();
        }
    }

    @Test
    void while_rotating_every_webhook_is_signed_under_each_secret() throws Exception {
        String next = randomSecret();
        String hook = receiver(WebhookVerifier.create(SECRET));
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecrets(next, SECRET).allowPrivateCallbacks(true));
        try {
            post(http, app, callbackQuery(hook));
            Received request = next();
            assertThat(request.header("webhook-signature").split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
            assertThat(request.verified()).isEqualTo(request.header("webhook-id"));
            assertThat(WebhookVerifier.create(next).verify(request::header,
                    request.body())).isEqualTo(request.header("webhook-id"));
            assertThatThrownBy(() -> WebhookVerifier.create(randomSecret()).verify(request::header, request.body()))
                    .isInstanceOf(WebhookVerifier.InvalidWebhookException.class);
        } finally {
            app.stop();
        }
    }

    @Test
    void a_plain_string_secret_signs_with_its_utf8_bytes_as_before() throws Exception {
        String plain = "a plain secret from an older configuration";
        String hook = receiver(WebhookVerifier.create(plain));
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(plain).allowPrivateCallbacks(true));
        try {
            post(http, app, callbackQuery(hook));
            Received request = next();
            assertThat(request.verified()).isEqualTo(request.header("webhook-id"));
            String standardForm = "whsec_" + Base64.getEncoder().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
            assertThat(WebhookVerifier.create(standardForm).verify(request::header, request.body()))
                    .isEqualTo(request.header("webhook-id"));
        } finally {
            app.stop();
        }
    }

    @Test
    void a_failing_receiver_is_retried_on_the_schedule_under_one_id_each_attempt_signed_anew() throws Exception {
        var clock = new JobTesting.MutableClock();
        onRequest = () -> clock.advance(Duration.ofMinutes(10));   // each retry comes ten minutes after the last
        String hook = receiver(WebhookVerifier.create(SECRET).withClock(clock));
        answers.add(500);
        answers.add(503);
        var registry = new SimpleMeterRegistry();
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(true).clock(clock)
                .meterRegistry(registry).webhookRetries(Duration.ZERO, Duration.ZERO));
        try {
            String id = json(post(http, app, callbackQuery(hook))).getString("id");
            List<Received> attempts = List.of(next(), next(), next());
            assertThat(attempts).extracting(r -> r.header("X-Spindle-Attempt")).containsExactly("1", "2", "3");
            String deliveryId = attempts.getFirst().header("webhook-id");
            assertThat(attempts).extracting(Received::verified).containsOnly(deliveryId);
            assertThat(attempts).extracting(r -> Long.parseLong(r.header("webhook-timestamp")))
                    .satisfies(t -> assertThat(List.of(t.get(1) - t.get(0), t.get(2) - t.get(1))).containsOnly(600L));

            JsonPath job = deliveries(http, app, id, 3);
            assertThat(job.getList("deliveries.outcome")).containsExactly("failed", "failed", "delivered");
            assertThat(job.getList("deliveries.status")).containsExactly(500, 503, 204);
            assertThat(job.getList("deliveries.id")).containsOnly(deliveryId);
            assertThat(registry.get("spindle.webhook.deliveries").tag("outcome", "failed").counter().count()).isEqualTo(2);
            assertThat(registry.get("spindle.webhook.deliveries").tag("outcome", "delivered").counter().count()).isEqualTo(1);
            assertThat(registry.get("spindle.webhook.deliveries").counter().getId().getDescription())
                    .contains("3 attempts: at once, then after 0 s and 0 s (0 s in all)");
        } finally {
            app.stop();
        }
    }

    @Test
    void a_delivery_whose_schedule_runs_out_is_given_up_and_counted() throws Exception {
        String hook = receiver(WebhookVerifier.create(SECRET));
        answers.add(500);
        answers.add(500);
        var registry = new SimpleMeterRegistry();
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(true)
                .meterRegistry(registry).webhookRetries(Duration.ZERO));
        try {
            String id = json(post(http, app, callbackQuery(hook))).getString("id");
            await().atMost(Duration.ofSeconds(20)).until(() -> registry.find("spindle.webhook.abandoned")
                    .tag("reason", "exhausted").counter() != null);
            assertThat(registry.get("spindle.webhook.abandoned").tag("reason", "exhausted").counter().count()).isEqualTo(1);
            assertThat(deliveries(http, app, id, 2).getList("deliveries.outcome")).containsExactly("failed", "failed");
            assertThat(received).hasSize(2);
        } finally {
            app.stop();
        }
    }

    @Test
    void past_the_backlog_bound_a_failed_delivery_is_not_kept_for_a_retry() throws Exception {
        String hook = receiver(WebhookVerifier.create(SECRET));
        answers.add(500);
        answers.add(500);
        var registry = new SimpleMeterRegistry();
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(true)
                .meterRegistry(registry).webhookRetries(Duration.ofHours(1)).webhookMaxPendingRetries(1));
        try {
            String first = json(post(http, app, callbackQuery(hook))).getString("id");
            deliveries(http, app, first, 1);
            await().atMost(Duration.ofSeconds(20)).until(() -> registry.get("spindle.webhook.pending").gauge().value() == 1);

            String second = json(post(http, app, callbackQuery(hook))).getString("id");
            await().atMost(Duration.ofSeconds(20)).until(() -> registry.find("spindle.webhook.abandoned")
                    .tag("reason", "backlog").counter() != null);
            assertThat(deliveries(http, app, second, 1).getString("deliveries[0].outcome")).isEqualTo("failed");
            assertThat(registry.get("spindle.webhook.pending").gauge().value()).isEqualTo(1);
        } finally {
            app.stop();
        }
    }

    @Test
    void a_receiver_that_never_answers_costs_one_attempt_timeout_then_counts_as_no_answer() throws Exception {
        ServerSocket silent = new ServerSocket(0, 1, PRIVATE);
        closeables.add(silent);
        CompletableFuture<String> hungUp = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Socket socket = silent.accept()) {
                socket.getInputStream().transferTo(OutputStream.nullOutputStream());   // until the client closes
                hungUp.complete("closed");
            } catch (SocketException e) {
                hungUp.complete("reset");
            } catch (IOException e) {
                hungUp.completeExceptionally(e);
            }
        });
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(true)
                .webhookTimeout(Duration.ofMillis(300)).webhookRetries());
        try {
            String hook = "http://127.0.0.1:" + silent.getLocalPort() + "/hook";
            String id = json(post(http, app, callbackQuery(hook))).getString("id");
            JsonPath job = deliveries(http, app, id, 1);
            assertThat(job.getString("deliveries[0].outcome")).isEqualTo("error");
            assertThat(job.getString("deliveries[0].status")).isNull();
            assertThat(job.getString("deliveries[0].detail")).startsWith("No response");
            assertThat(hungUp.get(20, TimeUnit.SECONDS)).as("the attempt's connection ended").isIn("closed", "reset");
        } finally {
            app.stop();
        }
    }

    /** Answers {@code hooks.test} from a script (call i gets entry i, later calls the last), recording the calling threads. */
    static final class ScriptedResolver implements CallbackUrls.Resolver {
        private final List<InetAddress> script;
        final List<String> threads = new CopyOnWriteArrayList<>();

        ScriptedResolver(InetAddress... script) {
            this.script = List.of(script);
        }

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            if (!host.equals("hooks.test")) {
                throw new UnknownHostException(host);
            }
            int call = threads.size();
            threads.add(Thread.currentThread().getName());
            return new InetAddress[] {script.get(Math.min(call, script.size() - 1))};
        }
    }

    @Test
    void the_delivery_connects_to_the_address_it_checked_even_if_the_name_then_resolves_elsewhere() throws Exception {
        List<ServerSocketChannel> trap = new ArrayList<>();
        int port = receiverAndTrap(WebhookVerifier.create(SECRET), trap);
        // Submission and delivery each resolve once and see 127.0.0.2; a client resolving again to connect gets 127.0.0.1.
        var resolver = new ScriptedResolver(CHECKED, CHECKED, PRIVATE);
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET)
                .callbackAddresses(resolver, ONLY_127_0_0_2_IS_PUBLIC));
        try {
            String id = json(post(http, app, callbackQuery("http://hooks.test:" + port + "/hook"))).getString("id");
            Received request = next();
            assertThat(request.verified()).isEqualTo(request.header("webhook-id"));
            assertThat(request.header("Host")).isEqualTo("hooks.test:" + port);
            assertThat(deliveries(http, app, id, 1).getString("deliveries[0].outcome")).isEqualTo("delivered");
            assertThat(resolver.threads).hasSize(2);
            assertThat(resolver.threads.get(1)).isEqualTo("spindle-virtual-jobs-webhook");
            assertThat(trap.getFirst().accept()).as("a connection to 127.0.0.1").isNull();
        } finally {
            app.stop();
        }
    }

    @Test
    void a_name_that_resolves_to_a_private_address_at_delivery_is_refused_before_any_connection() throws Exception {
        List<ServerSocketChannel> trap = new ArrayList<>();
        int port = receiverAndTrap(WebhookVerifier.create(SECRET), trap);
        var resolver = new ScriptedResolver(CHECKED, PRIVATE);   // public at submission, private by delivery
        var registry = new SimpleMeterRegistry();
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(false)
                .meterRegistry(registry).callbackAddresses(resolver, ONLY_127_0_0_2_IS_PUBLIC));
        try {
            HttpResponse<String> accepted = post(http, app, callbackQuery("http://hooks.test:" + port + "/hook"));
            assertThat(accepted.statusCode()).isEqualTo(202);
            String id = json(accepted).getString("id");
            JsonPath job = deliveries(http, app, id, 1);
            assertThat(job.getString("deliveries[0].outcome")).isEqualTo("refused");
            assertThat(job.getString("deliveries[0].detail"))
                    .isEqualTo("callbackUrl points to a loopback, private or link-local address");
            assertThat(job.getString("deliveries[0].status")).isNull();
            assertThat(registry.get("spindle.webhook.deliveries").tag("outcome", "refused").counter().count()).isEqualTo(1);
            assertThat(registry.get("spindle.webhook.pending").gauge().value()).isZero();
            assertThat(trap.getFirst().accept()).as("a connection to 127.0.0.1").isNull();
            assertThat(received).as("requests at 127.0.0.2").isEmpty();
        } finally {
            app.stop();
        }
    }

    @Test
    void an_https_delivery_names_the_url_host_for_tls_while_connecting_to_the_checked_address() throws Exception {
        CompletableFuture<String> serverName = new CompletableFuture<>();
        ServerSocket tls = new ServerSocket(0, 1, CHECKED);
        closeables.add(tls);
        Thread.ofVirtual().start(() -> {
            try (Socket socket = tls.accept()) {
                serverName.complete(ClientHello.serverName(new DataInputStream(socket.getInputStream())));
            } catch (IOException | RuntimeException e) {
                serverName.completeExceptionally(e);
            }
        });
        var resolver = new ScriptedResolver(CHECKED, CHECKED, PRIVATE);
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).webhookRetries()
                .callbackAddresses(resolver, ONLY_127_0_0_2_IS_PUBLIC));
        try {
            String id = json(post(http, app, callbackQuery("https://hooks.test:" + tls.getLocalPort() + "/hook")))
                    .getString("id");
            assertThat(serverName.get(20, TimeUnit.SECONDS)).isEqualTo("hooks.test");
            assertThat(deliveries(http, app, id, 1).getString("deliveries[0].outcome")).isEqualTo("error");
            assertThat(resolver.threads).hasSize(2);
        } finally {
            app.stop();
        }
    }

    /** Just enough of TLS to read the server name (SNI) a client sends in its ClientHello. */
    static final class ClientHello {
        static String serverName(DataInputStream in) throws IOException {
            if (in.readUnsignedByte() != 22) {
                throw new IOException("Not a TLS handshake record");
            }
            in.skipNBytes(4);                          // record version, length
            if (in.readUnsignedByte() != 1) {
                throw new IOException("Not a ClientHello");
            }
            in.skipNBytes(3 + 2 + 32);                 // length, client version, random
            in.skipNBytes(in.readUnsignedByte());      // session id
            in.skipNBytes(in.readUnsignedShort());     // cipher suites
            in.skipNBytes(in.readUnsignedByte());      // compression methods
            int remaining = in.readUnsignedShort();    // extensions
            while (remaining > 0) {
                int type = in.readUnsignedShort();
                int length = in.readUnsignedShort();
                remaining -= 4 + length;
                if (type != 0) {
                    in.skipNBytes(length);
                    continue;
                }
                in.skipNBytes(2 + 1);                  // list length, name type (host_name)
                byte[] name = new byte[in.readUnsignedShort()];
                in.readFully(name);
                return new String(name, StandardCharsets.US_ASCII);
            }
            return null;
        }
    }

    @Test
    void the_webhook_client_starts_no_thread_of_its_own() throws Exception {
        String hook = receiver(WebhookVerifier.create(SECRET));
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(true));
        try {
            String id = json(post(http, app, callbackQuery(hook))).getString("id");
            next();
            deliveries(http, app, id, 1);
            List<String> httpClientThreads = new ArrayList<>();
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                boolean runsClientCode = List.of(stack).stream().anyMatch(frame -> frame.getClassName()
                        .startsWith("org.apache.hc.") || frame.getClassName().startsWith("jdk.internal.net.http."));
                if (!before.contains(thread) && (runsClientCode || thread.getName().startsWith("HttpClient"))) {
                    httpClientThreads.add(thread.getName());
                }
            });
            assertThat(httpClientThreads).isEmpty();
        } finally {
            app.stop();
        }
    }

    @Test
    void a_spindle_app_receives_and_verifies_webhooks_as_docs_jobs_md_shows() throws Exception {
        Spindle receiving = Spindle.create(config -> config.port(0));
        WebhookVerifier verifier = WebhookVerifier.create(SECRET);
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        BlockingQueue<Map<?, ?>> finished = new LinkedBlockingQueue<>();
        receiving.post("/hooks/reports", ctx -> {
            String id = verifier.verify(ctx::header, ctx.bodyBytes());
            if (seen.add(id)) {
                finished.add(ctx.bodyAs(Map.class));
            }
            ctx.status(204);
            return null;
        });
        receiving.error(WebhookVerifier.InvalidWebhookException.class, (error, ctx) -> {
            dev.spindle.http.Problem.of(401, error.getMessage()).writeTo(ctx);
            return null;
        });
        receiving.start(0);
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(true));
        try {
            String hook = "http://127.0.0.1:" + receiving.port() + "/hooks/reports";
            String id = json(post(http, app, callbackQuery(hook))).getString("id");
            Map<?, ?> job = finished.poll(20, TimeUnit.SECONDS);
            assertThat(job).isNotNull();
            assertThat(job.get("id")).isEqualTo(id);
            assertThat(job.get("state")).isEqualTo("SUCCEEDED");
            assertThat(deliveries(http, app, id, 1).getInt("deliveries[0].status")).isEqualTo(204);

            HttpResponse<String> forged = http.send(JobTesting.request(receiving, "/hooks/reports")
                    .header("webhook-id", "forged").header("webhook-timestamp", Long.toString(
                            java.time.Instant.now().getEpochSecond()))
                    .header("webhook-signature", "v1,bm90IGEgc2lnbmF0dXJlIGF0IGFsbCwganVzdCBieXRlcw==")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(json(forged).getString("detail"))
                    .isEqualTo("No v1 signature in webhook-signature matches the body, id and timestamp");
        } finally {
            app.stop();
            receiving.stop();
        }
    }

    @Test
    void internal_and_non_http_callback_urls_are_refused() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.listJobs(true).webhookSecret(SECRET));
        try {
            for (String url : List.of("http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook",
                    "http://10.1.2.3/hook", "http://192.168.0.1/hook", "http://169.254.169.254/latest/meta-data",
                    "http://0.0.0.0/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a00:1::]/",
                    "ftp://hooks.test/hook", "file:///etc/passwd", "http://user:pw@hooks.test/", "not a url")) {
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
    void every_attempt_resolves_through_the_settings_resolver() throws Exception {
        var calls = new AtomicInteger();
        CallbackUrls.Resolver counting = host -> {
            calls.incrementAndGet();
            return new InetAddress[] {PRIVATE};
        };
        String hook = receiver(WebhookVerifier.create(SECRET)).replace("127.0.0.1", "hooks.test");
        Spindle app = finishingAtOnce(jobs -> jobs.webhookSecret(SECRET).allowPrivateCallbacks(true)
                .callbackAddresses(counting, address -> true));
        try {
            String id = json(post(http, app, callbackQuery(hook))).getString("id");
            assertThat(next().verified()).isNotBlank().doesNotStartWith("invalid");
            deliveries(http, app, id, 1);
            assertThat(calls.get()).isEqualTo(2);
        } finally {
            app.stop();
        }
    }
}

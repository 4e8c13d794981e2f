package dev.spindle.jobs;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver on 127.0.0.1, port 0: the JDK's HTTP server, a virtual thread per request, so a
 * request the test holds does not hold up the next. It verifies every request with {@link #SECRET},
 * counts requests by {@code webhook-id}, and answers what the test's {@link Answer} says.
 */
final class Receiver implements AutoCloseable {

    /** A fresh secret per run, in the Standard Webhooks form, the same on every instance. */
    static final String SECRET = secret();

    /** One request: its {@code webhook-id}, {@code X-Spindle-Attempt}, what the verifier said, and how many times this id came so far. */
    record Request(String id, int attempt, String verified, int seen) {
    }

    /** The status to answer a request with; may block, holding the request. */
    @FunctionalInterface
    interface Answer {
        int status(Request request) throws InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final WebhookVerifier verifier = WebhookVerifier.create(SECRET);
    private final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final Map<String, AtomicInteger> byId = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile Answer answer = request -> 204;

    private Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/hook", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String verified;
                try {
                    verified = verifier.verify(exchange.getRequestHeaders()::getFirst, body);
                } catch (WebhookVerifier.InvalidWebhookException e) {
                    verified = "invalid: " + e.getMessage();
                }
                String id = exchange.getRequestHeaders().getFirst(Webhooks.ID);
                int seen = byId.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
                total.incrementAndGet();
                Request request = new Request(id, Integer.parseInt(exchange.getRequestHeaders().getFirst(Webhooks.ATTEMPT)),
                        verified, seen);
                requests.add(request);
                int status;
                try {
                    status = answer.status(request);
                } catch (InterruptedException e) {
                    return;
                }
                exchange.sendResponseHeaders(status, -1);
            }
        });
        server.start();
    }

    static Receiver start() throws IOException {
        return new Receiver();
    }

    /** The URL to give as callback. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    void answer(Answer answer) {
        this.answer = answer;
    }

    /** The next request, waiting up to 30 s for it. */
    Request next() throws InterruptedException {
        Request request = requests.poll(30, TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("no webhook came");
        }
        return request;
    }

    /** How many requests came with this {@code webhook-id}. */
    int count(String id) {
        AtomicInteger count = byId.get(id);
        return count == null ? 0 : count.get();
    }

    /** How many requests came in all. */
    int total() {
        return total.get();
    }

    /** Stops, letting requests being answered finish for up to a second. */
    @Override
    public void close() {
        server.stop(1);
        threads.shutdownNow();
    }

    private static String secret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }
}

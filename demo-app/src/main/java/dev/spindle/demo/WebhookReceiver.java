package dev.spindle.demo;

import dev.spindle.Spindle;
import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import dev.spindle.jobs.WebhookVerifier;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.databind.JsonNode;

/**
 * The demo's own webhook receiver, for the dashboard's jobs panel: {@code POST /dashboard/webhook}
 * takes a job's webhook, checks its Standard Webhooks signature with {@link WebhookVerifier}, and
 * records when it came, by job id; {@code GET /dashboard/webhook} names the URL to give as
 * {@code callbackUrl}, and {@code GET /dashboard/webhook/{id}} answers the delivery of job {@code id}
 * ({@code "received": false} until it came: not a 404, which a browser would log as an error). Its URL is the one callback the jobs allow on a loopback address without
 * {@code --allow-private-callbacks} ({@code JobSettings.allowCallbackUrl}). See {@code docs/demo.md}.
 *
 * <p><b>Threading:</b> the two GET routes run on the IO thread, the POST in the app's threading mode
 * (a webhook waits for {@code --single}'s busy thread like any request); the record is guarded by a
 * lock, and keeps the last {@value #KEPT} deliveries.
 */
final class WebhookReceiver {

    static final String PATH = "/dashboard/webhook";
    static final int KEPT = 100;

    private final Spindle app;
    private final String host;
    private final WebhookVerifier verifier;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Received> deliveries = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Received> eldest) {
            return size() > KEPT;
        }
    };

    private WebhookReceiver(Spindle app, String host, String secret) {
        this.app = app;
        this.host = host;
        this.verifier = WebhookVerifier.create(secret);
    }

    /**
     * The receiver of the app listening on {@code host}, checking signatures made with {@code secret};
     * its routes are declared by {@link #install}.
     */
    static WebhookReceiver create(Spindle app, String host, String secret) {
        return new WebhookReceiver(app, host, secret);
    }

    /**
     * The receiver's URL once the app has started, {@code null} before: loopback at the app's port
     * ({@code [::1]} when the app listens on IPv6 only, the listening address when it is a single other one).
     */
    String url() {
        int port;
        try {
            port = app.port();
        } catch (IllegalStateException notStarted) {
            return null;
        }
        String address = switch (host) {
            case "", "0.0.0.0", "127.0.0.1", "localhost" -> "127.0.0.1";
            case "::", "::1", "[::]", "[::1]" -> "[::1]";
            default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        };
        return "http://" + address + ":" + port + PATH;
    }

    void install() {
        app.get(PATH, ctx -> Map.of("url", url()), route -> route.nonBlocking());
        app.get(PATH + "/{id}", ctx -> {
            String jobId = ctx.pathParam("id");
            Received received = find(jobId);
            return received != null ? received : Map.of("jobId", jobId, "received", false);
        }, route -> route.nonBlocking());
        app.post(PATH, ctx -> {
            Instant now = Instant.now();
            byte[] body = ctx.bodyBytes();
            String webhookId;
            try {
                webhookId = verifier.verify(ctx::header, body);
            } catch (WebhookVerifier.InvalidWebhookException e) {
                throw new HttpException(HttpStatus.BAD_REQUEST, "Webhook refused: " + e.getMessage());
            }
            JsonNode job = ctx.bodyAs(JsonNode.class);
            String jobId = job.path("id").asString("");
            if (jobId.isEmpty()) {
                throw new HttpException(HttpStatus.BAD_REQUEST, "The webhook's job has no id");
            }
            long afterSubmission;
            try {
                afterSubmission = now.toEpochMilli() - Instant.parse(job.path("createdAt").asString("")).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new HttpException(HttpStatus.BAD_REQUEST, "The webhook's job has no createdAt time");
            }
            record(new Received(jobId, true, webhookId, true, job.path("state").asString(""), afterSubmission,
                    now.toString(), job));
            ctx.status(HttpStatus.NO_CONTENT);
            return null;
        });
    }

    private void record(Received received) {
        lock.lock();
        try {
            deliveries.put(received.jobId(), received);
        } finally {
            lock.unlock();
        }
    }

    private Received find(String jobId) {
        lock.lock();
        try {
            return deliveries.get(jobId);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A webhook that came ({@code received} is always true): its job, its {@code webhook-id}, that its signature held, the job's state,
     * how many ms after the job's submission it arrived (server clock), when, and the job as sent.
     */
    record Received(String jobId, boolean received, String webhookId, boolean verified, String state, long msAfterSubmission,
                    String receivedAt, JsonNode job) {
    }
}

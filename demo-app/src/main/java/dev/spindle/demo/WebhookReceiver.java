package dev.spindle.demo;

import dev.spindle.Spindle;
import dev.spindle.http.EventSink;
import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import dev.spindle.jobs.WebhookVerifier;
import dev.spindle.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.databind.JsonNode;

/**
 * The demo's own webhook receiver, for the dashboard's jobs panel: {@code POST /dashboard/webhook}
 * takes a job's webhook, checks its Standard Webhooks signature with {@link WebhookVerifier}, and
 * records when it came, by job id; {@code GET /dashboard/webhook} names the URL to give as
 * {@code callbackUrl}. The delivery of job {@code id} is pushed by
 * {@code GET /dashboard/webhook/{id}/events}, a server-sent event stream that sends a
 * {@code waiting} event while it has not come, then one {@code delivery} event as the webhook
 * arrives (at once if it already has), and ends; the page's webhook panel listens to it.
 * {@code GET /dashboard/webhook/{id}} answers the same delivery once ({@code "received": false}
 * until it came: not a 404, which a browser would log as an error). Its URL is the one callback the
 * jobs allow on a loopback address without {@code --allow-private-callbacks}
 * ({@code JobSettings.allowCallbackUrl}). See {@code docs/demo.md}.
 *
 * <p><b>Threading:</b> the GET routes run on the IO thread, the POST in the app's threading mode
 * (a webhook waits for {@code --single}'s busy thread like any request) and sends the event to the
 * streams waiting for it from there, which never blocks ({@link EventSink}). The deliveries and the
 * waiting streams are guarded by one lock; the last {@value #KEPT} deliveries are kept, and a stream
 * waits until its delivery comes or its client goes.
 */
final class WebhookReceiver {

    static final String PATH = "/dashboard/webhook";
    static final int KEPT = 100;

    private final Spindle app;
    private final String host;
    private final WebhookVerifier verifier;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, List<EventSink>> waiting = new HashMap<>();
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

    /** Declares the receiver's routes. */
    void install() {
        app.install(setup -> declare(setup.json()));
    }

    private void declare(JsonMapper json) {
        app.get(PATH, ctx -> Map.of("url", url()), route -> route.nonBlocking());
        app.get(PATH + "/{id}", ctx -> {
            String jobId = ctx.pathParam("id");
            Received received = find(jobId);
            return received != null ? received : Map.of("jobId", jobId, "received", false);
        }, route -> route.nonBlocking());
        app.get(PATH + "/{id}/events", ctx -> {
            String jobId = ctx.pathParam("id");
            ctx.eventStream(sink -> await(jobId, sink, json));
            return null;
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
            Received received = new Received(jobId, true, webhookId, true, job.path("state").asString(""), afterSubmission,
                    now.toString(), job);
            String data = new String(json.write(received), StandardCharsets.UTF_8);
            for (EventSink sink : record(received)) {
                send(sink, data);
            }
            ctx.status(HttpStatus.NO_CONTENT);
            return null;
        });
    }

    /**
     * Sends the delivery of {@code jobId} to {@code sink} once it has come, and ends the stream; until
     * then, one {@code waiting} event says the stream is listening (sent under the lock, so it always
     * comes before the delivery).
     */
    private void await(String jobId, EventSink sink, JsonMapper json) {
        Received received;
        lock.lock();
        try {
            received = deliveries.get(jobId);
            if (received == null) {
                waiting.computeIfAbsent(jobId, k -> new ArrayList<>()).add(sink);
                sink.send("waiting", new String(json.write(Map.of("jobId", jobId)), StandardCharsets.UTF_8));
            }
        } finally {
            lock.unlock();
        }
        if (received != null) {
            send(sink, new String(json.write(received), StandardCharsets.UTF_8));
            return;
        }
        sink.onClose(() -> forget(jobId, sink));
    }

    private static void send(EventSink sink, String data) {
        sink.send("delivery", data);
        sink.close();
    }

    /** Records {@code received}; answers the streams that were waiting for it, no longer waiting. */
    private List<EventSink> record(Received received) {
        lock.lock();
        try {
            deliveries.put(received.jobId(), received);
            List<EventSink> streams = waiting.remove(received.jobId());
            return streams == null ? List.of() : streams;
        } finally {
            lock.unlock();
        }
    }

    private void forget(String jobId, EventSink sink) {
        lock.lock();
        try {
            List<EventSink> streams = waiting.get(jobId);
            if (streams != null && streams.remove(sink) && streams.isEmpty()) {
                waiting.remove(jobId);
            }
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

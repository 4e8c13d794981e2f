package dev.spindle.jobs;

import dev.spindle.http.EventSink;
import dev.spindle.http.WebSocketSession;
import dev.spindle.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The messages of {@code /jobs/{id}/events}, the same over WebSocket and server-sent events:
 * <pre>{@code
 * {"type":"progress","id":"…","state":"RUNNING","percent":40,"message":"step 4 of 10"}
 * {"type":"result","job":{…the job resource…}}     (SUCCEEDED)
 * {"type":"error","job":{…the job resource…}}      (FAILED, CANCELLED, EXPIRED)
 * }</pre>
 * Over SSE the type is also the event name. After the final message the stream closes normally.
 */
final class JobStreams {

    /** Where messages go: a WebSocket session or an event sink. Non-blocking. */
    interface Channel {
        void send(String type, String json);

        void close();

        static Channel of(EventSink sink) {
            return new Channel() {
                @Override
                public void send(String type, String json) {
                    sink.send(type, json);
                }

                @Override
                public void close() {
                    sink.close();
                }
            };
        }

        static Channel of(WebSocketSession session) {
            return new Channel() {
                @Override
                public void send(String type, String json) {
                    session.send(json);
                }

                @Override
                public void close() {
                    session.close(1000, "Job finished");
                }
            };
        }
    }

    private final Jobs jobs;
    private final JobRepresentation representation;
    private final JsonMapper json;
    private final Executor setup;

    /** @param setup runs subscriptions off the IO thread: finding the job may read the {@link JobStore}, which may block */
    JobStreams(Jobs jobs, JobRepresentation representation, JsonMapper json, Executor setup) {
        this.jobs = jobs;
        this.representation = representation;
        this.json = json;
        this.setup = setup;
    }

    /**
     * Streams the job's changes to {@code channel}: the current state at once, then each change,
     * then the final message and a close. {@code subscribed} then gets what to run when the client
     * goes away, or {@code null} if there is no such job.
     */
    void open(String id, Channel channel, Consumer<Runnable> subscribed) {
        setup.execute(() -> subscribed.accept(subscribe(id, channel)));
    }

    private Runnable subscribe(String id, Channel channel) {
        Consumer<Job> listener = listener(channel);
        JobEntry entry = jobs.live(id);
        if (entry == null) {
            Optional<Job> job = jobs.find(id);
            if (job.isEmpty()) {
                return null;
            }
            listener.accept(job.get());
            return () -> { };
        }
        Job current = entry.subscribe(listener);
        if (current.state().isFinished()) {
            listener.accept(current);
        }
        return () -> entry.unsubscribe(listener);
    }

    private Consumer<Job> listener(Channel channel) {
        return job -> {
            Map<String, Object> message = new LinkedHashMap<>();
            if (!job.state().isFinished()) {
                message.put("type", "progress");
                message.put("id", job.id());
                message.put("state", job.state().name());
                message.put("percent", job.percent());
                message.put("message", job.message());
                channel.send("progress", write(message));
                return;
            }
            String type = job.state() == JobState.SUCCEEDED ? "result" : "error";
            message.put("type", type);
            message.put("job", representation.resource(job));
            channel.send(type, write(message));
            channel.close();
        };
    }

    private String write(Object value) {
        return new String(json.write(value), StandardCharsets.UTF_8);
    }
}

package dev.spindle.jobs;

import dev.spindle.http.EventSink;
import dev.spindle.http.WebSocketSession;
import dev.spindle.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

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

    private JobStreams() {
    }

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

    static Consumer<Job> listener(Channel channel, Function<Job, Map<String, Object>> resource, JsonMapper json) {
        return job -> {
            Map<String, Object> message = new LinkedHashMap<>();
            if (!job.state().isFinished()) {
                message.put("type", "progress");
                message.put("id", job.id());
                message.put("state", job.state().name());
                message.put("percent", job.percent());
                message.put("message", job.message());
                channel.send("progress", write(json, message));
                return;
            }
            String type = job.state() == JobState.SUCCEEDED ? "result" : "error";
            message.put("type", type);
            message.put("job", resource.apply(job));
            channel.send(type, write(json, message));
            channel.close();
        };
    }

    private static String write(JsonMapper json, Object value) {
        return new String(json.write(value), StandardCharsets.UTF_8);
    }
}

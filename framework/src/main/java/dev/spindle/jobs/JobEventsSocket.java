package dev.spindle.jobs;

import dev.spindle.http.WebSocketHandler;
import dev.spindle.http.WebSocketSession;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@code /jobs/{id}/events} as a WebSocket: see {@link JobStreams} for the messages. Unknown ids close with 4404. */
final class JobEventsSocket implements WebSocketHandler {

    private final JobStreams streams;
    private final Map<WebSocketSession, Runnable> subscriptions = new ConcurrentHashMap<>();

    JobEventsSocket(JobStreams streams) {
        this.streams = streams;
    }

    @Override
    public void onOpen(WebSocketSession session) {
        streams.open(session.pathParam("id"), 0, JobStreams.Channel.of(session), unsubscribe -> subscribed(session, unsubscribe));
    }

    /** On the streams' set-up thread, after the job was looked up. */
    private void subscribed(WebSocketSession session, Runnable unsubscribe) {
        if (unsubscribe == null) {
            session.send("{\"type\":\"error\",\"status\":404,\"detail\":\"No such job (it may have expired)\"}");
            session.close(4404, "No such job");
            return;
        }
        subscriptions.put(session, unsubscribe);
        if (!session.isOpen()) {
            onClose(session, 1000, "");
        }
    }

    @Override
    public void onClose(WebSocketSession session, int code, String reason) {
        Runnable unsubscribe = subscriptions.remove(session);
        if (unsubscribe != null) {
            unsubscribe.run();
        }
    }
}

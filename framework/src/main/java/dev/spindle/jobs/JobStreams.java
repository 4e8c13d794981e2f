package dev.spindle.jobs;

import dev.spindle.http.EventSink;
import dev.spindle.http.WebSocketSession;
import dev.spindle.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The messages of {@code /jobs/{id}/events}, the same over WebSocket and server-sent events:
 * <pre>{@code
 * {"type":"progress","id":"…","state":"RUNNING","percent":40,"message":"step 4 of 10"}
 * {"type":"result","job":{…the job resource…}}     (SUCCEEDED)
 * {"type":"error","job":{…the job resource…}}      (FAILED, CANCELLED, EXPIRED)
 * }</pre>
 * Over SSE the type is also the event name and the job's {@link Job#version() version} the event id.
 * After the final message the stream closes normally. When the app stops ({@link #drain}) a stream
 * of a job that has not finished gets {@code {"type":"stopping","job":{…the job as it stands…}}}
 * instead, then the close (WebSocket: {@code 1001}, going away).
 *
 * <p>Every client following one job shares one {@link Followers}: each change of the job is
 * serialised once, whoever follows it, and sent to each client's channel, which queues it for its
 * connection without blocking. At most {@code maxSubscribers} clients follow one job.
 */
final class JobStreams {

    /** Where messages go: a WebSocket session or an event sink. Non-blocking. */
    interface Channel {
        void send(String type, String json, long version);

        void close();

        /** Ends the stream because the app stops: the {@code stopping} message, then a close. */
        void stop(String json, long version);

        /** Turns the client away: too many follow this job. */
        void refuse(String json);

        static Channel of(EventSink sink) {
            return new Channel() {
                @Override
                public void send(String type, String json, long version) {
                    sink.send(type, json, Long.toString(version));
                }

                @Override
                public void close() {
                    sink.close();
                }

                @Override
                public void stop(String json, long version) {
                    sink.send(STOPPING, json, Long.toString(version));
                    sink.close();
                }

                @Override
                public void refuse(String json) {
                    sink.send("error", json);
                    sink.close();
                }
            };
        }

        static Channel of(WebSocketSession session) {
            return new Channel() {
                @Override
                public void send(String type, String json, long version) {
                    session.send(json);
                }

                @Override
                public void close() {
                    session.close(1000, "Job finished");
                }

                @Override
                public void stop(String json, long version) {
                    session.send(json);
                    session.close(1001, "The server is stopping");
                }

                @Override
                public void refuse(String json) {
                    session.send(json);
                    session.close(1013, "Too many clients follow this job");
                }
            };
        }
    }

    private static final String STOPPING = "stopping";
    private static final String TOO_MANY = "{\"type\":\"error\",\"status\":503,"
            + "\"detail\":\"Too many clients follow this job; poll it instead\"}";

    private final Jobs jobs;
    private final JobRepresentation representation;
    private final JsonMapper json;
    private final Executor setup;
    private final int maxSubscribers;
    private final Map<String, Followers> following = new ConcurrentHashMap<>();
    private volatile boolean draining;

    /** @param setup runs subscriptions off the IO thread: finding the job may read the {@link JobStore}, which may block */
    JobStreams(Jobs jobs, JobRepresentation representation, JsonMapper json, Executor setup, int maxSubscribers) {
        this.jobs = jobs;
        this.representation = representation;
        this.json = json;
        this.setup = setup;
        this.maxSubscribers = maxSubscribers;
    }

    /** Whether the job already has as many followers as it may: a new stream would be turned away. */
    boolean full(String id) {
        return followers(id) >= maxSubscribers;
    }

    /** Clients following the job with this id now. */
    int followers(String id) {
        Followers followers = following.get(id);
        return followers == null ? 0 : followers.size();
    }

    /**
     * Streams the job's changes to {@code channel}: the current state at once (unless the client has
     * it already: {@code seenVersion}), then each change, then the final message and a close.
     * {@code subscribed} then gets what to run when the client goes away, or {@code null} if there is
     * no such job.
     *
     * @param seenVersion the version the client says it has ({@code Last-Event-ID}), or 0
     */
    void open(String id, long seenVersion, Channel channel, Consumer<Runnable> subscribed) {
        setup.execute(() -> subscribed.accept(subscribe(id, seenVersion, channel)));
    }

    private Runnable subscribe(String id, long seenVersion, Channel channel) {
        JobEntry entry = jobs.live(id);
        if (entry == null) {
            Optional<Job> job = jobs.find(id);
            if (job.isEmpty()) {
                return null;
            }
            Message last = message(job.get());
            if (last.version > seenVersion) {
                channel.send(last.type, last.json, last.version);
            }
            channel.close();
            return () -> { };
        }
        Followers fresh = new Followers(id);
        Followers followers = following.putIfAbsent(id, fresh);
        if (followers == null) {
            followers = fresh;
            followers.accept(entry.subscribe(fresh));
        }
        if (!followers.add(channel, seenVersion)) {
            channel.refuse(TOO_MANY);
            return () -> { };
        }
        if (draining) {
            // The stop's drain may have looked before these followers were there: stop them here.
            followers.stop();
        }
        Followers joined = followers;
        return () -> joined.remove(channel);
    }

    /**
     * Ends every stream now with the job as it stands (the {@code stopping} message), and every stream
     * that opens from now on as soon as it has its first message: the first step of a stop, so that
     * the server need not wait for jobs to finish before its streams end. Non-blocking.
     */
    void drain() {
        draining = true;
        following.values().forEach(Followers::stop);
    }

    /** A job change as it goes on the wire, serialised once. */
    private record Message(String type, String json, long version, boolean last) {
    }

    private Message message(Job job) {
        Map<String, Object> message = new LinkedHashMap<>();
        if (!job.state().isFinished()) {
            message.put("type", "progress");
            message.put("id", job.id());
            message.put("state", job.state().name());
            message.put("percent", job.percent());
            message.put("message", job.message());
            return new Message("progress", write(message), job.version(), false);
        }
        String type = job.state() == JobState.SUCCEEDED ? "result" : "error";
        message.put("type", type);
        message.put("job", representation.resource(job));
        return new Message(type, write(message), job.version(), true);
    }

    /** The last message of a stream the app's stop ends before the job does. */
    private Message stopping(Job job) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("type", STOPPING);
        message.put("job", representation.resource(job));
        return new Message(STOPPING, write(message), job.version(), true);
    }

    private String write(Object value) {
        return new String(json.write(value), StandardCharsets.UTF_8);
    }

    /**
     * Everyone following one live job, and the last change they were sent. The job tells it of each
     * change outside the job's lock, possibly out of order when two threads change the job at once:
     * a change older than the last one sent is dropped, since each message is a whole snapshot.
     */
    private final class Followers implements Consumer<Job> {
        private final String id;
        private final List<Channel> channels = new ArrayList<>(2);
        private Message last;
        private boolean ended;
        /** The message that ended the stream because the app stops, if it did. */
        private Message stopped;
        /** Guards the fields above; a {@code ReentrantLock}, not a monitor, so a virtual thread never pins on it. */
        private final ReentrantLock lock = new ReentrantLock();

        Followers(String id) {
            this.id = id;
        }

        int size() {
            lock.lock();
            try {
                return channels.size();
            } finally {
                lock.unlock();
            }
        }

        /** Adds a channel and sends it the current state; {@code false} if the job has its most followers. */
        boolean add(Channel channel, long seenVersion) {
            lock.lock();
            try {
                if (!ended && channels.size() >= maxSubscribers) {
                    return false;
                }
                if (stopped != null) {
                    channel.stop(stopped.json, stopped.version);
                    return true;
                }
                if (last != null && last.version > seenVersion) {
                    channel.send(last.type, last.json, last.version);
                }
                if (ended) {
                    channel.close();
                } else {
                    channels.add(channel);
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        void remove(Channel channel) {
            lock.lock();
            try {
                channels.remove(channel);
            } finally {
                lock.unlock();
            }
        }

        /**
         * Ends every stream with the {@code stopping} message, unless the job has ended (its final
         * message is then sent, or on its way, by {@link #accept}).
         */
        void stop() {
            lock.lock();
            try {
                JobEntry entry = jobs.live(id);
                if (ended || entry == null) {
                    return;
                }
                entry.unsubscribe(this);
                Job job = entry.snapshot();
                if (job.state().isFinished()) {
                    return;
                }
                ended = true;
                stopped = stopping(job);
                for (Channel channel : channels) {
                    channel.stop(stopped.json, stopped.version);
                }
                channels.clear();
                following.remove(id, this);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void accept(Job job) {
            lock.lock();
            try {
                if (ended || (last != null && job.version() <= last.version)) {
                    return;
                }
                last = message(job);
                for (Channel channel : channels) {
                    channel.send(last.type, last.json, last.version);
                }
                if (last.last) {
                    ended = true;
                    channels.forEach(Channel::close);
                    channels.clear();
                    following.remove(id, this);
                }
            } finally {
                lock.unlock();
            }
        }
    }
}

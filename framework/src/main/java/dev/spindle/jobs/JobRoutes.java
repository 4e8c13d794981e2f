package dev.spindle.jobs;

import dev.spindle.Spindle;
import dev.spindle.http.Context;
import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionStage;

/**
 * The job routes under the base path (see {@link Jobs#install}). The handlers only translate
 * HTTP: the jobs themselves, how they look, how a long poll waits and what a stream sends are the
 * business of {@link Jobs}, {@link JobRepresentation}, {@link LongPolls} and {@link JobStreams}.
 */
final class JobRoutes {

    private static final int MAX_PAGE = 100;
    /** Beyond the longest wait, so a long poll ends with the job's state rather than the request's deadline. */
    private static final Duration DEADLINE_MARGIN = Duration.ofSeconds(5);

    private final Jobs jobs;
    private final JobRepresentation representation;
    private final LongPolls polls;
    private final JobStreams streams;
    private final String basePath;
    private final boolean listJobs;
    private final Duration maxWait;

    JobRoutes(Jobs jobs, JobRepresentation representation, LongPolls polls, JobStreams streams, JobSettings settings) {
        this.jobs = jobs;
        this.representation = representation;
        this.polls = polls;
        this.streams = streams;
        this.basePath = settings.basePath;
        this.listJobs = settings.listJobs;
        this.maxWait = settings.maxWait;
    }

    void declare(Spindle app) {
        if (listJobs) {
            app.get(basePath, this::list);
        }
        app.get(basePath + "/{id}", this::get, route -> route.timeout(maxWait.plus(DEADLINE_MARGIN)));
        app.delete(basePath + "/{id}", this::cancel);
        app.get(basePath + "/{id}/events", this::events);
        app.ws(basePath + "/{id}/events", new JobEventsSocket(streams));
    }

    private Object get(Context ctx) {
        String id = ctx.pathParam("id");
        String wait = ctx.queryParam("wait");
        if (wait == null) {
            return representation.respond(ctx, existing(id));
        }
        Duration duration = parseWait(wait);
        JobEntry entry = jobs.live(id);
        if (entry == null || duration.isZero()) {
            return representation.respond(ctx, existing(id));
        }
        CompletionStage<Job> ended = polls.await(entry, duration);
        if (ended == null) {
            return representation.respond(ctx, existing(id));
        }
        return ended.thenApply(job -> representation.respond(ctx, job));
    }

    private Object cancel(Context ctx) {
        String id = ctx.pathParam("id");
        return representation.respond(ctx, jobs.cancel(id).orElseThrow(() -> representation.notFound(id)));
    }

    private Object list(Context ctx) {
        int offset = Math.max(0, ctx.queryParamAsInt("offset", 0));
        int limit = Math.max(1, Math.min(MAX_PAGE, ctx.queryParamAsInt("limit", 20)));
        return representation.page(jobs.recent(offset, limit), offset, limit, jobs.count());
    }

    private Object events(Context ctx) {
        String id = ctx.pathParam("id");
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new HttpException(406, "Open " + ctx.path()
                    + " as a WebSocket, or ask for server-sent events with Accept: text/event-stream");
        }
        Job job = existing(id);
        long seen = lastEventId(ctx);
        if (job.state().isFinished() && seen >= job.version()) {
            // The client has the final event: 204 stops a browser's EventSource from reconnecting forever.
            ctx.status(HttpStatus.NO_CONTENT);
            return null;
        }
        if (streams.full(id)) {
            throw representation.busy("Too many clients follow job " + id + "; poll it instead");
        }
        ctx.eventStream(sink -> streams.open(id, seen, JobStreams.Channel.of(sink), unsubscribe -> {
            if (unsubscribe == null) {
                sink.close();
            } else {
                sink.onClose(unsubscribe);
            }
        }));
        return null;
    }

    /** The job version a reconnecting client has ({@code Last-Event-ID}), or 0 if it says none we can read. */
    private static long lastEventId(Context ctx) {
        String header = ctx.header("Last-Event-ID");
        if (header == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(header.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Job existing(String id) {
        return jobs.find(id).orElseThrow(() -> representation.notFound(id));
    }

    /** {@code 500ms}, {@code 30s}, {@code 1m} or plain seconds, cut to the longest wait allowed. */
    private Duration parseWait(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        Duration wait;
        try {
            if (value.endsWith("ms")) {
                wait = Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            } else if (value.endsWith("s")) {
                wait = Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
            } else if (value.endsWith("m")) {
                wait = Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
            } else {
                wait = Duration.ofSeconds(Long.parseLong(value));
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "wait must look like 30s, 500ms or 1m, not '" + text + "'");
        }
        if (wait.isNegative()) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "wait must not be negative");
        }
        return wait.compareTo(maxWait) > 0 ? maxWait : wait;
    }
}

package dev.spindle.server;

import dev.spindle.http.Context;
import dev.spindle.http.HttpStatus;
import dev.spindle.http.Problem;
import dev.spindle.metrics.RequestMetrics;
import dev.spindle.metrics.RequestSample;
import dev.spindle.routing.Route;
import dev.spindle.routing.RouteMatch;
import dev.spindle.threading.Dispatcher;
import io.micrometer.observation.Observation;
import io.undertow.server.HttpServerExchange;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.XnioExecutor;

/**
 * One request on its way through a dispatcher. Exactly one of three things answers it: the handler
 * ({@link #run}), the deadline ({@link #expire}), or a refusal ({@link #refuse}); a state machine
 * decides which, so a request is never answered twice and never left unanswered.
 *
 * <p><b>Threading:</b> created on the IO thread; {@link #run} on the dispatcher's thread;
 * {@link #expire} and {@link #refuse} on the IO thread; the response is always written on the IO thread.
 */
final class RequestTask implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(RequestTask.class);

    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int COMPLETED = 2;
    private static final int INTERRUPTING = 3;
    private static final int ASYNC = 4;
    private static final int DONE = 5;

    private final SpindleHandler server;
    private final HttpServerExchange exchange;
    private final RouteMatch match;
    private final UndertowRequest request;
    private final String requestId;
    private final long readyNanos;
    private final RequestSample sample;
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private volatile Thread thread;
    private volatile boolean interruptedByDeadline;
    private XnioExecutor.Key deadline;

    private boolean saturatedAtDispatch;

    RequestTask(SpindleHandler server, HttpServerExchange exchange, RouteMatch match, UndertowRequest request,
                String requestId, RequestSample sample) {
        this.server = server;
        this.exchange = exchange;
        this.match = match;
        this.request = request;
        this.requestId = requestId;
        this.sample = sample;
        this.readyNanos = System.nanoTime();
    }

    Route route() {
        return match.route();
    }

    /** Notes whether the dispatcher had no free thread when this request was handed to it. IO thread. */
    void dispatchedTo(Dispatcher dispatcher) {
        int capacity = dispatcher.capacity();
        saturatedAtDispatch = capacity >= 0 && dispatcher.active() >= capacity;
    }

    /** Starts the deadline clock, if the route has a timeout. IO thread. */
    void scheduleDeadline() {
        var timeout = match.route().timeout();
        if (timeout != null) {
            deadline = exchange.getIoThread().executeAfter(this::expire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        if (!state.compareAndSet(QUEUED, RUNNING)) {
            return;
        }
        Route route = match.route();
        Context ctx = new Context(request, server.json(), requestId,
                route.uri(), match.params());
        RequestMetrics metrics = server.metrics();
        try {
            metrics.handlerStarted(route, exchange.getRequestMethod().toString(), System.nanoTime() - readyNanos,
                    saturatedAtDispatch);
            Observation observation = sample == null ? null : sample.observation();
            try (Observation.Scope scope = observation == null ? null : observation.openScope()) {
                route.handle(ctx, failure -> complete(ctx, failure));
            }
        } catch (Throwable error) {
            log.error("Request {} failed outside its pipeline", requestId, error);
            Problem.unexpected(requestId).writeTo(ctx.resetResponse());
            complete(ctx, error);
        } finally {
            metrics.handlerReleased(route);
        }
        if (state.compareAndSet(COMPLETED, DONE)) {
            respond(ctx);
        } else if (!state.compareAndSet(RUNNING, ASYNC)) {
            // the deadline answered: wait until its interrupt has landed, then clear it, so a pooled
            // thread does not carry it into its next request
            while (state.get() == INTERRUPTING) {
                Thread.onSpinWait();
            }
            if (interruptedByDeadline) {
                Thread.interrupted();
            }
        }
    }

    /**
     * The pipeline finished, on the handler thread or, for an asynchronous result, on the thread that
     * completed it. While the handler still holds its thread, {@link #run} sends the response once
     * the handler's observation scope is closed; afterwards this call sends it.
     */
    private void complete(Context ctx, Throwable failure) {
        while (true) {
            int current = state.get();
            if (current == RUNNING && state.compareAndSet(RUNNING, COMPLETED)) {
                recordFailure(failure);
                return;
            }
            if (current == ASYNC && state.compareAndSet(ASYNC, DONE)) {
                recordFailure(failure);
                respond(ctx);
                return;
            }
            if (current != RUNNING && current != ASYNC) {
                return; // the deadline answered first
            }
        }
    }

    private void recordFailure(Throwable failure) {
        if (sample != null) {
            sample.failure(failure);
        }
    }

    /** The deadline passed: answer 503 now and interrupt the handler if it still holds its thread. IO thread. */
    void expire() {
        deadline = null;
        if (state.compareAndSet(QUEUED, DONE) || state.compareAndSet(ASYNC, DONE)) {
            answerTimeout();
        } else if (state.compareAndSet(RUNNING, INTERRUPTING)) {
            interruptedByDeadline = true;
            thread.interrupt();
            state.set(DONE);
            answerTimeout();
        }
    }

    /** The dispatcher refused the task: answer 503 with {@code Retry-After}. IO thread. */
    void refuse(String why) {
        if (state.compareAndSet(QUEUED, DONE)) {
            if (deadline != null) {
                deadline.remove();
                deadline = null;
            }
            server.metrics().rejected(match.route());
            server.writeProblem(exchange, requestId, match.route().uri(), HttpStatus.SERVICE_UNAVAILABLE,
                    "The server is busy (" + why + "); try again shortly", true);
        }
    }

    private void answerTimeout() {
        server.metrics().timedOut(match.route());
        server.writeProblem(exchange, requestId, match.route().uri(), HttpStatus.SERVICE_UNAVAILABLE,
                "The request took longer than its " + match.route().timeout().toMillis() + " ms deadline", true);
    }

    private void respond(Context ctx) {
        if (exchange.isInIoThread()) {
            write(ctx);
        } else {
            exchange.getIoThread().execute(() -> write(ctx));
        }
    }

    private void write(Context ctx) {
        if (deadline != null) {
            deadline.remove();
        }
        ResponseWriter.write(exchange, ctx);
    }

}

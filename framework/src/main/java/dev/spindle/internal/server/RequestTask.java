package dev.spindle.internal.server;

import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import dev.spindle.http.Problem;
import dev.spindle.internal.http.DefaultContext;
import dev.spindle.internal.metrics.RequestMetrics;
import dev.spindle.internal.metrics.RequestSample;
import dev.spindle.internal.routing.Route;
import dev.spindle.internal.routing.RouteMatch;
import dev.spindle.internal.threading.Dispatcher;
import io.micrometer.observation.Observation;
import io.undertow.server.HttpServerExchange;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.XnioExecutor;

/**
 * One request on its way through a dispatcher. Exactly one of three things answers it: the handler
 * ({@link #run}), the deadline ({@link #expire}), or a refusal ({@link #refuse}); a state machine
 * decides which, so a request is never answered twice and never left unanswered.
 *
 * <pre>
 * QUEUED ──run──▶ RUNNING ──handler returned──▶ FINISHING ──pipeline done──▶ COMPLETED ──▶ DONE (response)
 *   │                │                              └──thread released, stage pending──▶ ASYNC ──done──▶ DONE
 *   │                └──deadline──▶ INTERRUPTING ──▶ DONE (503)      FINISHING / ASYNC ──deadline──▶ DONE (503)
 *   └──deadline (withdrawn from the queue) / refusal──▶ DONE (503)
 * </pre>
 * The deadline interrupts the thread only while the handler runs, never in after hooks or teardown;
 * its interrupt is cleared before they run, so a pooled thread never carries it on.
 *
 * <p><b>Threading:</b> created and dispatched on the IO thread; {@link #run} on the dispatcher's
 * thread; {@link #expire} on the IO thread; {@link #refused} on whichever thread refused. The
 * response is always written on the IO thread.
 */
final class RequestTask implements Dispatcher.Task, Route.Listener {

    private static final Logger log = LoggerFactory.getLogger(RequestTask.class);

    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int FINISHING = 2;
    private static final int COMPLETED = 3;
    private static final int ASYNC = 4;
    private static final int INTERRUPTING = 5;
    private static final int DONE = 6;

    private final SpindleHandler server;
    private final HttpServerExchange exchange;
    private final RouteMatch match;
    private final UndertowRequest request;
    private final String requestId;
    private final RequestSample sample;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(RequestTask.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #QUEUED} to {@link #DONE}, moved by compare-and-set through {@link #STATE} only. */
    private volatile int state = QUEUED;
    private volatile Thread thread;
    private volatile boolean interruptedByDeadline;
    /** Touched by the handler thread only. */
    private boolean interruptCleared;
    private XnioExecutor.Key deadline;
    private DefaultContext ctx;

    RequestTask(SpindleHandler server, HttpServerExchange exchange, RouteMatch match, UndertowRequest request,
                String requestId, RequestSample sample) {
        this.server = server;
        this.exchange = exchange;
        this.match = match;
        this.request = request;
        this.requestId = requestId;
        this.sample = sample;
    }

    /**
     * Starts the deadline clock and hands the request to its route's dispatcher, or answers 503 if the
     * dispatcher refuses it. IO thread.
     */
    void dispatch() {
        Route route = match.route();
        if (sample != null) {
            server.metrics().ready(sample);
        }
        var timeout = route.timeout();
        if (timeout != null) {
            deadline = exchange.getIoThread().executeAfter(this::expire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            route.dispatcher().execute(this);
        } catch (RejectedExecutionException e) {
            refuse(e.getMessage());
        }
    }

    @Override
    public void queued() {
        if (sample != null) {
            server.metrics().queued(sample, match.route());
        }
    }

    @Override
    public void refused(RejectedExecutionException why) {
        refuse(why.getMessage());
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        if (!cas(QUEUED, RUNNING)) {
            return;
        }
        Route route = match.route();
        ctx = new DefaultContext(request, server.json(), requestId, route.uri(), match.params());
        RequestMetrics metrics = server.metrics();
        try {
            if (sample != null) {
                metrics.handlerStarted(sample, route);
            }
            Observation observation = sample == null ? null : sample.observation();
            try (Observation.Scope scope = observation == null ? null : observation.openScope()) {
                route.handle(ctx, this);
            }
        } catch (Throwable error) {
            log.error("Request {} failed outside its pipeline", requestId, error);
            handlerReturned();
            Problem.unexpected(requestId).writeTo(ctx.resetResponse());
            done(error);
        } finally {
            metrics.handlerReleased(sample, route);
        }
        if (cas(COMPLETED, DONE)) {
            respond();
        } else if (!cas(FINISHING, ASYNC)) {
            clearDeadlineInterrupt();
        }
    }

    @Override
    public void handlerReturned() {
        if (!cas(RUNNING, FINISHING)) {
            clearDeadlineInterrupt();
        }
    }

    /** The deadline answered while the handler ran: wait until its interrupt has landed, then clear it. Handler thread. */
    private void clearDeadlineInterrupt() {
        while (state == INTERRUPTING) {
            Thread.onSpinWait();
        }
        if (interruptedByDeadline && !interruptCleared) {
            interruptCleared = true;
            Thread.interrupted();
        }
    }

    /**
     * The pipeline finished, on the handler thread or, for an asynchronous result, on the thread that
     * completed it. While the handler still holds its thread, {@link #run} sends the response once
     * the handler's observation scope is closed; afterwards this call sends it.
     */
    @Override
    public void done(Throwable failure) {
        while (true) {
            int current = state;
            if ((current == RUNNING || current == FINISHING) && cas(current, COMPLETED)) {
                recordFailure(failure);
                return;
            }
            if (current == ASYNC && cas(ASYNC, DONE)) {
                recordFailure(failure);
                respond();
                return;
            }
            if (current != RUNNING && current != FINISHING && current != ASYNC) {
                return; // the deadline answered first
            }
        }
    }

    private boolean cas(int expected, int next) {
        return STATE.compareAndSet(this, expected, next);
    }

    private void recordFailure(Throwable failure) {
        if (sample != null) {
            sample.failure(failure);
        }
    }

    /**
     * The deadline passed: answer 503 now. A request still queued leaves the queue and frees its
     * place; a handler still running is interrupted. IO thread.
     */
    void expire() {
        deadline = null;
        if (cas(QUEUED, DONE)) {
            match.route().dispatcher().withdraw(this);
            if (sample != null) {
                server.metrics().expired(sample, match.route());
            }
            answerTimeout();
        } else if (cas(FINISHING, DONE) || cas(ASYNC, DONE)) {
            answerTimeout();
        } else if (cas(RUNNING, INTERRUPTING)) {
            // a handler waiting for its streamed body wakes with the deadline's 503, not a bare interrupt
            request.endBody(this::pastDeadline);
            interruptedByDeadline = true;
            thread.interrupt();
            state = DONE;
            answerTimeout();
        }
    }

    /** The dispatcher refused the request, at once or from its queue: answer 503 with {@code Retry-After}. Any thread. */
    void refuse(String why) {
        if (!cas(QUEUED, DONE)) {
            return;
        }
        if (sample != null) {
            server.metrics().refused(sample, match.route());
        }
        onIoThread(() -> {
            cancelDeadline();
            request.endBody(() -> new HttpException(HttpStatus.SERVICE_UNAVAILABLE, "The request was refused"));
            server.writeProblem(exchange, requestId, match.route().uri(), HttpStatus.SERVICE_UNAVAILABLE,
                    "The server is busy (" + why + "); try again shortly", true);
        });
    }

    private void answerTimeout() {
        request.endBody(this::pastDeadline); // writeProblem closes the connection if part of the body is unread
        server.metrics().timedOut(match.route());
        server.writeProblem(exchange, requestId, match.route().uri(), HttpStatus.SERVICE_UNAVAILABLE, deadlineDetail(),
                true);
    }

    private void respond() {
        onIoThread(() -> {
            cancelDeadline();
            if (request.endBody(RequestTask::bodyAfterResponse)) {
                exchange.setPersistent(false); // close rather than drain a body the handler left unread
            }
            server.respond(exchange, match, requestId, ctx.response());
        });
    }

    private static IllegalStateException bodyAfterResponse() {
        return new IllegalStateException("The response has been sent; the request body can no longer be read");
    }

    private HttpException pastDeadline() {
        return new HttpException(HttpStatus.SERVICE_UNAVAILABLE, deadlineDetail());
    }

    private String deadlineDetail() {
        return "The request took longer than its " + match.route().timeout().toMillis() + " ms deadline";
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.remove();
            deadline = null;
        }
    }

    private void onIoThread(Runnable action) {
        if (exchange.isInIoThread()) {
            action.run();
        } else {
            exchange.getIoThread().execute(action);
        }
    }
}

package dev.spindle.internal.server;

import dev.spindle.http.HttpStatus;
import dev.spindle.http.Problem;
import dev.spindle.internal.http.DefaultContext;
import dev.spindle.internal.http.Response;
import dev.spindle.internal.metrics.RequestMetrics;
import dev.spindle.internal.metrics.RequestSample;
import dev.spindle.internal.routing.RouteMatch;
import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.internal.routing.Router;
import dev.spindle.json.JsonMapper;
import io.undertow.io.Receiver;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

/**
 * The root handler, on the IO thread: refuses requests while draining, matches the route (HTTP, or
 * WebSocket for an upgrade request), receives the whole body without blocking (bounded by the body
 * limit), then hands the request to the route's dispatcher. Nothing here blocks, and every path ends
 * in a response, a WebSocket handshake or a closed connection.
 */
final class SpindleHandler implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(SpindleHandler.class);
    private static final byte[] NO_BODY = new byte[0];
    private final Router router;
    private final JsonMapper json;
    private final long maxBodySize;
    private final long bodyTimeoutMillis;
    private final long maxBufferedBodyBytes;
    /** Body bytes reserved by requests whose body is still being received, all connections together. */
    private final AtomicLong buffered = new AtomicLong();
    private final InFlightRequests inFlight;
    private final OpenStreams streams = new OpenStreams();
    private final RequestMetrics metrics;
    private final WebSocketUpgrades webSockets;
    /** Ends the count of a request nobody measures: one listener for all of them, not one per request. */
    private final ExchangeCompletionListener countEnd;
    private volatile boolean draining;

    SpindleHandler(Router router, JsonMapper json, long maxBodySize, Duration bodyTimeout, long maxBufferedBodyBytes,
                   RequestMetrics metrics, InFlightRequests inFlight) {
        this.router = router;
        this.inFlight = inFlight;
        this.webSockets = new WebSocketUpgrades(router, inFlight, streams);
        this.json = json;
        this.maxBodySize = maxBodySize;
        this.bodyTimeoutMillis = Math.max(1, bodyTimeout.toMillis());
        this.maxBufferedBodyBytes = maxBufferedBodyBytes;
        this.metrics = metrics;
        this.countEnd = (done, next) -> {
            inFlight.end();
            next.proceed();
        };
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        inFlight.begin();
        String method = exchange.getRequestMethod().toString();
        RequestSample sample = metrics == RequestMetrics.NONE ? null
                : metrics.arrived(method, exchange.getRequestStartTime(), name -> exchange.getRequestHeaders().getFirst(name));
        exchange.addExchangeCompleteListener(sample == null ? countEnd : (done, next) -> {
            inFlight.end();
            metrics.completed(sample, done.getStatusCode());
            next.proceed();
        });
        String requestId = RequestIds.of(exchange.getRequestHeaders().getFirst(RequestIds.HEADER));
        RouteMatch match = router.match(method, exchange.getRelativePath(), WebSocketUpgrades.requested(exchange));
        if (sample != null) {
            sample.uri(match.route().uri());
        }
        if (draining) {
            exchange.setPersistent(false);
            writeProblem(exchange, requestId, match.route().uri(), HttpStatus.SERVICE_UNAVAILABLE,
                    "The server is shutting down", true);
            return;
        }
        if (match.route().synthetic() && hasBody(exchange)) {
            // No route takes this request: answer without reading (and so without "100 Continue"),
            // and close, so Undertow does not drain an upload nobody wants.
            exchange.setPersistent(false);
            dispatch(exchange, new RequestTask(this, exchange, match, new UndertowRequest(exchange, NO_BODY), requestId,
                    sample));
            return;
        }
        long streamingLimit = match.route().streamingBodyLimit();
        if (streamingLimit >= 0) {
            if (exceeds(exchange, streamingLimit)) {
                refuseTooLarge(exchange, requestId, match, streamingLimit);
                return;
            }
            if (streamingLimit > 0) {
                exchange.setMaxEntitySize(streamingLimit);
            }
            dispatch(exchange, new RequestTask(this, exchange, match, UndertowRequest.streaming(exchange, streamingLimit),
                    requestId, sample));
            return;
        }
        if (exceeds(exchange, maxBodySize)) {
            refuseTooLarge(exchange, requestId, match, maxBodySize);
            return;
        }
        if (!hasBody(exchange)) {
            dispatch(exchange, new RequestTask(this, exchange, match, new UndertowRequest(exchange, NO_BODY), requestId,
                    sample));
            return;
        }
        if (match.route().dispatcher().refuseIfSaturated()) {
            // Decided from the headers: the client hears 503 instead of "100 Continue", and the body
            // it would have sent is never read. The wait for a thread still starts with the body.
            if (sample != null) {
                metrics.ready(sample);
                metrics.refused(sample, match.route());
            }
            writeProblem(exchange, requestId, match.route().uri(), HttpStatus.SERVICE_UNAVAILABLE,
                    "The server is busy (dispatcher '" + match.route().dispatcher().name()
                            + "' is full); try again shortly", true);
            return;
        }
        long declared = exchange.getRequestContentLength();
        long reserved = declared > 0 ? declared : maxBodySize;
        if (!reserve(reserved)) {
            exchange.setPersistent(false);
            writeProblem(exchange, requestId, match.route().uri(), HttpStatus.SERVICE_UNAVAILABLE,
                    "The server is receiving too many request bodies at once; try again shortly", true);
            return;
        }
        receive(exchange, match, requestId, sample, reserved);
    }

    /**
     * Receives the whole body on the IO thread, then dispatches. Exactly one of three ends counts —
     * received, failed, or out of time (408, connection closed) — and each gives the reservation back.
     * An exchange that ends any other way gives it back as it ends: Undertow's chunk decoder throws an
     * unchecked exception for a malformed trailer, which reaches neither callback, and the
     * reservation must not wait for the body timeout.
     */
    private void receive(HttpServerExchange exchange, RouteMatch match, String requestId, RequestSample sample,
                         long reserved) {
        BodyReceipt receipt = new BodyReceipt(reserved);
        receipt.deadline = exchange.getIoThread().executeAfter(() -> {
            if (receipt.end()) {
                exchange.setPersistent(false);
                writeProblem(exchange, requestId, match.route().uri(), HttpStatus.REQUEST_TIMEOUT,
                        "The request body did not arrive within " + bodyTimeoutMillis + " ms", false);
                IoUtils.safeClose(exchange.getConnection());
            }
        }, bodyTimeoutMillis, TimeUnit.MILLISECONDS);
        exchange.addExchangeCompleteListener((done, next) -> {
            receipt.end();
            next.proceed();
        });
        Receiver receiver = exchange.getRequestReceiver();
        receiver.setMaxBufferSize((int) maxBodySize);
        receiver.receiveFullBytes(
                (received, body) -> {
                    if (receipt.end()) {
                        dispatch(received, new RequestTask(this, received, match,
                                new UndertowRequest(received, body.length == 0 ? NO_BODY : body), requestId, sample));
                    }
                },
                (failed, error) -> {
                    if (!receipt.end()) {
                        return;
                    }
                    if (error instanceof Receiver.RequestToLargeException || error instanceof RequestTooBigException) {
                        refuseTooLarge(failed, requestId, match, maxBodySize);
                    } else {
                        log.debug("Request body of {} could not be read; closing the connection", requestId, error);
                        IoUtils.safeClose(failed.getConnection());
                    }
                });
    }

    /**
     * One body being received. Changed on the connection's IO thread only, so no field needs more
     * than plain access: an exchange that ends before its body was received ends there too, and one
     * that ends on a handler thread was dispatched after the first end, so its listener only reads
     * {@code ended}.
     */
    private final class BodyReceipt {
        final long reserved;
        XnioExecutor.Key deadline;
        boolean ended;

        BodyReceipt(long reserved) {
            this.reserved = reserved;
        }

        /** {@code true} for the first end only: stops the clock and gives the reservation back. */
        boolean end() {
            if (ended) {
                return false;
            }
            ended = true;
            if (deadline != null) {
                deadline.remove();
            }
            buffered.addAndGet(-reserved);
            return true;
        }
    }

    private boolean reserve(long bytes) {
        while (true) {
            long now = buffered.get();
            if (now + bytes > maxBufferedBodyBytes) {
                return false;
            }
            if (buffered.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Whether the request declares or may carry more than {@code limit} bytes; a limit of 0 admits no body at all. */
    private static boolean exceeds(HttpServerExchange exchange, long limit) {
        return exchange.getRequestContentLength() > limit || (limit == 0 && hasBody(exchange));
    }

    private static boolean hasBody(HttpServerExchange exchange) {
        return exchange.getRequestContentLength() > 0 || exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING);
    }

    private void dispatch(HttpServerExchange exchange, RequestTask task) {
        exchange.dispatch(SameThreadExecutor.INSTANCE, task::dispatch);
    }

    private void refuseTooLarge(HttpServerExchange exchange, String requestId, RouteMatch match, long limit) {
        exchange.setPersistent(false);
        writeProblem(exchange, requestId, match.route().uri(), HttpStatus.PAYLOAD_TOO_LARGE,
                "The request body exceeds the limit of " + limit + " bytes", false);
    }

    /**
     * Sends the response the pipeline left: the WebSocket handshake if it accepted the upgrade request
     * of a WebSocket route ({@code 101}), else the response itself. IO thread.
     */
    void respond(HttpServerExchange exchange, RouteMatch match, String requestId, Response response) {
        if (match.route().webSocket() != null && response.status() == HttpStatus.SWITCHING_PROTOCOLS) {
            webSockets.accept(exchange, match, requestId, response);
        } else {
            ResponseWriter.write(exchange, requestId, response, streams);
        }
    }

    /**
     * Answers with a problem body from the IO thread, without running any handler or hook. A body
     * still unread is left unread: the connection is closed after the answer instead of drained.
     */
    void writeProblem(HttpServerExchange exchange, String requestId, String uri, int status, String detail,
                      boolean retryLater) {
        if (hasBody(exchange) && !exchange.isRequestComplete()) {
            exchange.setPersistent(false);
        }
        var ctx = new DefaultContext(new UndertowRequest(exchange, NO_BODY), json, requestId, uri, java.util.Map.of());
        Problem.of(status, detail).writeTo(ctx);
        if (retryLater) {
            ctx.header("Retry-After", "1");
        }
        ResponseWriter.write(exchange, requestId, ctx.response(), streams);
    }

    JsonMapper json() {
        return json;
    }

    RequestMetrics metrics() {
        return metrics;
    }

    /** Answers 503 to every new request from now on. */
    void startDraining() {
        draining = true;
    }

    /**
     * Ends every event stream (after the events already queued) and closes every WebSocket with
     * {@code 1001}; streams and sockets that open from now on end as they open.
     */
    void endStreams() {
        streams.endAll();
    }

    /** Whether the current thread is one of the threads this server's dispatchers run requests on. */
    boolean servesOnCurrentThread() {
        Thread current = Thread.currentThread();
        for (Dispatcher dispatcher : router.dispatchers()) {
            if (dispatcher.runsOn(current)) {
                return true;
            }
        }
        return false;
    }
}

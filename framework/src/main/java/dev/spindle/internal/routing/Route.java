package dev.spindle.internal.routing;

import dev.spindle.http.ErrorHandler;
import dev.spindle.http.Filter;
import dev.spindle.http.Handler;
import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import dev.spindle.http.Problem;
import dev.spindle.http.Teardown;
import dev.spindle.http.WebSocketHandler;
import dev.spindle.internal.http.DefaultContext;
import dev.spindle.internal.threading.Dispatcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compiled route: its template, handler, the hooks of every enclosing scope, and the dispatcher
 * that gives its handler a thread. {@link #handle} is the request pipeline, readable top
 * to bottom like Flask's {@code full_dispatch_request}: before hooks, handler, after hooks, error
 * handling, teardown.
 *
 * <p>A WebSocket route ({@link #webSocket()} not {@code null}) matches upgrade requests only and runs
 * the same pipeline: its handler accepts the upgrade ({@code 101 Switching Protocols}) once the
 * before hooks let it through, and the server turns a {@code 101} that survived the after hooks into
 * the handshake. A hook that answers or throws refuses the upgrade with that answer.
 *
 * <p><b>Threading:</b> immutable after compilation; {@link #handle} runs on the dispatcher's thread.
 */
public final class Route {

    private static final Logger log = LoggerFactory.getLogger(Route.class);

    /** The handler of every WebSocket route: the before hooks let the upgrade through, so accept it. */
    static final Handler ACCEPT_UPGRADE = ctx -> ctx.status(HttpStatus.SWITCHING_PROTOCOLS);

    private final String method;
    private final PathTemplate template;
    private final Handler handler;
    private final String name;
    private final List<Scope> scopes;
    private final Dispatcher dispatcher;
    private final Duration timeout;
    private final String uri;
    private final long streamingBodyLimit;
    private final WebSocketHandler webSocket;
    /** An app-level answer for a request no declared route takes (404, 405, OPTIONS, the trailing-slash redirect). */
    private final boolean synthetic;
    /** The match of this route when it has no parameters, shared by all its requests. */
    private final RouteMatch withoutParams;

    Route(String method, PathTemplate template, Handler handler, String name, List<Scope> scopes,
          Dispatcher dispatcher, Duration timeout, String uri, long streamingBodyLimit, WebSocketHandler webSocket) {
        this(method, template, handler, name, scopes, dispatcher, timeout, uri, streamingBodyLimit, webSocket, false);
    }

    private Route(String method, PathTemplate template, Handler handler, String name, List<Scope> scopes,
                  Dispatcher dispatcher, Duration timeout, String uri, long streamingBodyLimit,
                  WebSocketHandler webSocket, boolean synthetic) {
        this.method = method;
        this.template = template;
        this.handler = handler;
        this.name = name;
        this.scopes = scopes;
        this.dispatcher = dispatcher;
        this.timeout = timeout;
        this.uri = uri;
        this.streamingBodyLimit = streamingBodyLimit;
        this.webSocket = webSocket;
        this.synthetic = synthetic;
        this.withoutParams = new RouteMatch(this, Map.of());
    }

    /** The same scopes and dispatcher with another handler and uri: the app-level 404/405/redirect answers. */
    Route withHandler(String syntheticUri, Handler replacement) {
        return new Route(method, template, replacement, null, scopes, dispatcher, timeout, syntheticUri, -1, null, true);
    }

    /** This route matched with no path parameters; one instance for every such request. */
    RouteMatch matchedWithoutParams() {
        return withoutParams;
    }

    /**
     * Whether this is an app-level answer for a request no declared route takes (404, 405, OPTIONS,
     * the trailing-slash redirect): such a request's body is never read.
     */
    public boolean synthetic() {
        return synthetic;
    }

    public String method() {
        return method;
    }

    /**
     * The route's template as metrics and logs should show it: {@code /users/{id:int}}, or
     * {@code NOT_FOUND} / {@code REDIRECTION} for requests no route matched.
     */
    public String uri() {
        return uri;
    }

    /** The name given for reverse routing, or {@code null}. */
    public String name() {
        return name;
    }

    public PathTemplate template() {
        return template;
    }

    /** The dispatcher this route's handler runs on. */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /**
     * The body limit of a route that reads its body as it arrives ({@link RouteOptions#streamingBody}),
     * or {@code -1} for a route whose body is received whole before the handler runs.
     */
    public long streamingBodyLimit() {
        return streamingBodyLimit;
    }

    /** The handler of the connections of a WebSocket route, or {@code null} for an HTTP route. */
    public WebSocketHandler webSocket() {
        return webSocket;
    }

    /** The request timeout, or {@code null} for none. */
    public Duration timeout() {
        return timeout;
    }

    /** What the caller of {@link #handle} hears from the pipeline of one request. */
    public interface Listener {

        /**
         * The before hooks and the handler have returned (or thrown), on the handler's thread;
         * rendering, after hooks and teardown follow. A deadline must not interrupt what follows.
         */
        void handlerReturned();

        /** The pipeline finished; {@code failure} is the exception that ended the request, or {@code null}. */
        void done(Throwable failure);
    }

    /**
     * Runs the pipeline and leaves the response in {@code ctx}, telling {@code listener} when the
     * handler has returned and when everything is done. Never throws: every failure ends as an
     * error response (a user error handler's, or a problem body).
     *
     * <p>If the handler returns a {@link CompletionStage}, the thread is released at once and the
     * rest of the pipeline (rendering, after hooks, teardown, {@code done}) runs on the thread that
     * completes the stage: long polling without a thread per waiting client.
     */
    public void handle(DefaultContext ctx, Listener listener) {
        Object result;
        try {
            result = runBeforeHooks(ctx);
            if (result == null) {
                result = handler.handle(ctx);
            }
        } catch (Throwable error) {
            listener.handlerReturned();
            finish(ctx, null, error, listener);
            return;
        }
        listener.handlerReturned();
        if (result instanceof CompletionStage<?> stage) {
            stage.whenComplete((value, error) -> finish(ctx, value, unwrap(error), listener));
        } else {
            finish(ctx, result, null, listener);
        }
    }

    private void finish(DefaultContext ctx, Object result, Throwable error, Listener listener) {
        Throwable failure = error;
        try {
            try {
                if (error == null) {
                    ctx.result(result);
                } else {
                    handleError(ctx, error);
                }
            } catch (Throwable renderFailure) {
                failure = renderFailure;
                handleError(ctx, renderFailure);
            }
            runAfterHooks(ctx);
        } catch (Throwable afterFailure) {
            failure = failure == null ? afterFailure : failure;
            handleError(ctx, afterFailure);
        } finally {
            runTeardown(ctx, failure);
            listener.done(failure);
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private Object runBeforeHooks(DefaultContext ctx) throws Exception {
        for (int i = scopes.size() - 1; i >= 0; i--) {
            for (Handler hook : scopes.get(i).before) {
                Object result = hook.handle(ctx);
                if (result != null) {
                    return result;
                }
            }
        }
        return null;
    }

    private void runAfterHooks(DefaultContext ctx) throws Exception {
        for (Scope scope : scopes) {
            List<Filter> after = scope.after;
            for (int i = after.size() - 1; i >= 0; i--) {
                after.get(i).apply(ctx);
            }
        }
    }

    private void runTeardown(DefaultContext ctx, Throwable failure) {
        for (Scope scope : scopes) {
            List<Teardown> teardown = scope.teardown;
            for (int i = teardown.size() - 1; i >= 0; i--) {
                try {
                    teardown.get(i).run(ctx, failure);
                } catch (Throwable error) {
                    log.warn("Teardown hook of {} failed (request {})", uri, ctx.requestId(), error);
                }
            }
        }
    }

    /**
     * Finds the user's error handler or writes a problem body. An {@link HttpException} goes to a
     * status handler, then a type handler; any other exception to a type handler (the most specific
     * type, across scopes, innermost scope first on a tie), else to a 500 status handler, as
     * Flask's {@code errorhandler(500)} receives unhandled exceptions. An exception no type handler
     * claims is logged once, with the request id.
     */
    private void handleError(DefaultContext ctx, Throwable error) {
        int status = error instanceof HttpException http ? http.status() : HttpStatus.INTERNAL_SERVER_ERROR;
        ErrorHandler<? super Throwable> handler = error instanceof HttpException
                ? firstNonNull(statusHandler(status), typeHandler(error))
                : typeHandler(error);
        if (handler == null && !(error instanceof HttpException)) {
            log.error("Unhandled exception in {} {} (request {})", method, uri, ctx.requestId(), error);
            handler = statusHandler(status);
        }
        ctx.resetResponse();
        ctx.status(status);
        if (error instanceof HttpException http) {
            http.headers().forEach(ctx::header);
        }
        if (handler != null) {
            try {
                ctx.result(handler.handle(error, ctx));
                return;
            } catch (Throwable handlerFailure) {
                log.error("Error handler of {} failed (request {})", uri, ctx.requestId(), handlerFailure);
                Problem.unexpected(ctx.requestId()).writeTo(ctx.resetResponse());
                return;
            }
        }
        if (error instanceof HttpException http) {
            Problem.of(status, http.detail()).writeTo(ctx);
        } else {
            Problem.unexpected(ctx.requestId()).writeTo(ctx);
        }
    }

    private static ErrorHandler<? super Throwable> firstNonNull(ErrorHandler<? super Throwable> first,
                                                                ErrorHandler<? super Throwable> second) {
        return first != null ? first : second;
    }

    private ErrorHandler<? super Throwable> statusHandler(int status) {
        for (Scope scope : scopes) {
            ErrorHandler<? super Throwable> handler = scope.byStatus.get(status);
            if (handler != null) {
                return handler;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private ErrorHandler<? super Throwable> typeHandler(Throwable error) {
        for (Class<?> type = error.getClass(); type != null; type = type.getSuperclass()) {
            for (Scope scope : scopes) {
                ErrorHandler<?> handler = scope.byType.get(type);
                if (handler != null) {
                    return (ErrorHandler<? super Throwable>) handler;
                }
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return (webSocket == null ? method : "WS") + " " + template;
    }
}

package dev.spindle.routing;

import dev.spindle.http.ErrorHandler;
import dev.spindle.http.Filter;
import dev.spindle.http.Handler;
import dev.spindle.http.Teardown;
import dev.spindle.http.WebSocketHandler;
import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Route registration, shared by the app and its route groups (Flask's app and blueprints).
 * One abstract method per concern; the verbs are conveniences over {@link #route}.
 *
 * <p>Registration happens before {@code start()}; afterwards every method here throws
 * {@link IllegalStateException}, as Flask refuses setup after the first request.
 *
 * @param <S> the concrete type, returned for chaining
 */
public interface Routes<S extends Routes<S>> {

    /** Declares a route for {@code method} (upper case) at {@code template}, relative to this group's prefix. */
    S route(String method, String template, Handler handler, Consumer<RouteOptions> options);

    /**
     * Serves WebSocket connections at {@code template} (same syntax as HTTP routes), relative to this
     * group's prefix. Only upgrade requests ({@code GET} with {@code Upgrade: websocket}) match it, so
     * the same path may also have HTTP routes. See {@link WebSocketHandler}.
     */
    S ws(String template, WebSocketHandler handler);

    /** A nested group under {@code prefix}, with its own hooks, error handlers and optionally threading. */
    S group(String prefix, Consumer<RouteGroup> setup);

    /** Runs before each handler of this scope; a non-null return value (or an exception) ends the request there. */
    S before(Handler hook);

    /** Runs after each handler of this scope and may change the response. */
    S after(Filter hook);

    /** Runs after every request of this scope, success or failure. */
    S teardown(Teardown hook);

    /** Handles exceptions of {@code type} (and subtypes) thrown in this scope; the most specific type wins. */
    <E extends Throwable> S error(Class<E> type, ErrorHandler<? super E> handler);

    /** Handles {@code HttpException}s with status {@code status} raised in this scope, including 404 and 405 at app level. */
    S error(int status, ErrorHandler<? super Throwable> handler);

    /** The threading mode of every route in this scope that declares none itself. */
    S threading(ThreadingMode mode);

    /** The request timeout of every route in this scope that declares none itself. */
    S timeout(Duration timeout);

    default S route(String method, String template, Handler handler) {
        return route(method, template, handler, options -> { });
    }

    default S get(String template, Handler handler) {
        return route("GET", template, handler);
    }

    default S get(String template, Handler handler, Consumer<RouteOptions> options) {
        return route("GET", template, handler, options);
    }

    default S post(String template, Handler handler) {
        return route("POST", template, handler);
    }

    default S post(String template, Handler handler, Consumer<RouteOptions> options) {
        return route("POST", template, handler, options);
    }

    default S put(String template, Handler handler) {
        return route("PUT", template, handler);
    }

    default S put(String template, Handler handler, Consumer<RouteOptions> options) {
        return route("PUT", template, handler, options);
    }

    default S patch(String template, Handler handler) {
        return route("PATCH", template, handler);
    }

    default S patch(String template, Handler handler, Consumer<RouteOptions> options) {
        return route("PATCH", template, handler, options);
    }

    default S delete(String template, Handler handler) {
        return route("DELETE", template, handler);
    }

    default S delete(String template, Handler handler, Consumer<RouteOptions> options) {
        return route("DELETE", template, handler, options);
    }

    default S head(String template, Handler handler) {
        return route("HEAD", template, handler);
    }

    default S options(String template, Handler handler) {
        return route("OPTIONS", template, handler);
    }
}

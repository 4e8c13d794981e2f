package dev.spindle;

import dev.spindle.http.Context;
import dev.spindle.http.HttpStatus;
import dev.spindle.http.Problem;
import dev.spindle.locks.LockTimeoutException;
import dev.spindle.routing.Routes;

/**
 * The error handlers every app starts with. They are declared at app level like a user's, so a
 * user's handler for the same type, on the app or a group, replaces them; routing knows nothing of
 * them, and the packages whose exceptions they answer know nothing of HTTP.
 */
final class DefaultErrorHandlers {

    private DefaultErrorHandlers() {
    }

    static void install(Routes<?> app) {
        app.error(LockTimeoutException.class, DefaultErrorHandlers::lockTimeout);
    }

    /** A lock not free in time means load, not a bug: ask the client to come back, as a full queue does. */
    private static Object lockTimeout(LockTimeoutException error, Context ctx) {
        ctx.header("Retry-After", "1");
        Problem.of(HttpStatus.SERVICE_UNAVAILABLE, "The server is busy: a lock this request needs was not free within "
                + error.waited().toMillis() + " ms; try again shortly").writeTo(ctx);
        return null;
    }
}

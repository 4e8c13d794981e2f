package dev.spindle.routing;

/**
 * A Flask blueprint: routes under a common prefix with their own hooks, error handlers and,
 * optionally, their own threading mode (a bulkhead shared by the group's routes) and timeout.
 * Groups nest; a route's pipeline runs the hooks of every enclosing group, outermost first.
 * <pre>{@code
 * app.group("/api", api -> api
 *         .before(ctx -> ctx.header("X-Api") == null ? unauthorized() : null)
 *         .get("/users/{id:int}", ctx -> users.find(ctx.pathParam("id", Integer.class))));
 * }</pre>
 *
 * <p>Not thread-safe: configure it on one thread before the app starts.
 */
public interface RouteGroup extends Routes<RouteGroup> {

    /** The full prefix of this group, e.g. {@code /api/v1}; empty for the app. */
    String prefix();
}

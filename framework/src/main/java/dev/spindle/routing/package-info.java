/**
 * Routes and how requests find them: {@link dev.spindle.routing.PathTemplate} (templates with Flask's
 * converters), {@link dev.spindle.routing.Router} (a segment tree: literals before parameters,
 * ambiguity refused at start, Flask's trailing-slash redirect, automatic {@code HEAD} and
 * {@code OPTIONS}, 404/405, reverse routing), {@link dev.spindle.routing.RouteGroup} (blueprints:
 * a prefix with its own hooks and error handlers, nestable) and {@link dev.spindle.routing.Route}
 * (one route's pipeline: before hooks, handler, after hooks, error handlers, teardown).
 *
 * <p><b>Threading:</b> declared on one thread before start; compiled once at {@code start()}, then
 * immutable and matched concurrently on the server's IO threads.
 */
package dev.spindle.routing;

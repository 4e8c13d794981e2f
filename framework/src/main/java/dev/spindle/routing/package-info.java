/**
 * Declaring routes: {@link dev.spindle.routing.Routes} (the verbs, hooks and error handlers shared by
 * the app and its groups), {@link dev.spindle.routing.RouteGroup} (Flask blueprints: a prefix with its
 * own hooks, error handlers, threading and timeout, nestable) and
 * {@link dev.spindle.routing.RouteOptions} (a route's name, bulkhead, timeout, streaming body). How
 * routes compile and match is machinery, in {@code dev.spindle.internal.routing}.
 *
 * <p><b>Threading:</b> declared on one thread before start; afterwards every declaring method throws.
 */
package dev.spindle.routing;

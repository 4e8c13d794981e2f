/**
 * How requests find their route: {@link dev.spindle.internal.routing.Group} holds what the app and its
 * groups declared; {@link dev.spindle.internal.routing.Router} compiles it at start into a segment tree
 * (literals before parameters, converters from the most to the least specific, ambiguity refused,
 * Flask's trailing-slash redirect, automatic {@code HEAD} and {@code OPTIONS}, 404/405, reverse
 * routing) of {@link dev.spindle.internal.routing.Route}s, HTTP and WebSocket, each one route's
 * pipeline: before hooks, handler, after hooks, error handlers, teardown.
 *
 * <p><b>Threading:</b> compiled once at {@code start()}, then immutable and matched concurrently on
 * the server's IO threads.
 */
package dev.spindle.internal.routing;

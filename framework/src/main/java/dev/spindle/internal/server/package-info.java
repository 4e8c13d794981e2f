/**
 * The Undertow adapter, the only package that imports {@code io.undertow}: the listener and its
 * limits ({@link dev.spindle.internal.server.ServerOptions}), the root handler that matches a route and
 * receives the body on the IO thread before dispatching, the writer that sends a finished
 * {@link dev.spindle.internal.http.Response} with the non-blocking sender, static files, request ids, and graceful shutdown
 * ({@link dev.spindle.internal.server.UndertowServer#stop()}).
 *
 * <p><b>Threading:</b> everything that touches a connection runs on its Undertow IO thread; handler
 * threads only ever fill a {@code Context}, and their result is handed back to the IO thread to be written.
 */
package dev.spindle.internal.server;

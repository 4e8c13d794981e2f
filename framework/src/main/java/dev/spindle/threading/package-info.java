/**
 * Which thread runs a handler: {@link dev.spindle.threading.ThreadingMode} (single thread, thread per
 * request, virtual threads, worker pool, IO thread), set for the app, a group or a route, and
 * {@link dev.spindle.threading.DispatcherStats}, the read-only view of a running app's executors.
 * The executors themselves are machinery, in {@code dev.spindle.internal.threading}.
 */
package dev.spindle.threading;

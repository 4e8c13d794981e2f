/**
 * How request handlers get threads: {@link dev.spindle.threading.ThreadingMode} (single thread,
 * thread per request, virtual threads, worker pool, IO thread) and the
 * {@link dev.spindle.threading.Dispatcher}s that implement them. Every thread Spindle creates is
 * created by {@link dev.spindle.threading.Dispatchers}, named for its mode and route.
 */
package dev.spindle.threading;

/**
 * The executors behind each {@link dev.spindle.threading.ThreadingMode}: a fixed pool
 * ({@code PoolDispatcher}: the single thread and the worker pool), a thread per task, platform or
 * virtual, optionally bounded ({@code ThreadPerTaskDispatcher}), and the caller's IO thread.
 * Admission decides at once whether a task runs, waits or is refused, and no accepted task is dropped.
 *
 * <p>{@link dev.spindle.internal.threading.Dispatchers} creates every thread Spindle starts for
 * requests and background work, named {@code spindle-<mode>-<route|app>-<n>} or
 * {@code spindle-<purpose>-<n>}, with uncaught exceptions logged. The exceptions, which Spindle
 * cannot name: Undertow's XNIO IO threads ({@code XNIO-1 I/O-n}) and its accept thread, XNIO's worker
 * pool (idle: Spindle never runs work on it), the JDK's virtual-thread carriers, and the demo's JFR
 * event-stream thread. The webhook client (Apache HttpClient 5, classic) starts none: its attempts
 * block Spindle's {@code spindle-<mode>-jobs-webhook} virtual threads.
 */
package dev.spindle.internal.threading;

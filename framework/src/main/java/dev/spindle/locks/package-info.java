/**
 * Lock utilities: Python's {@code with lock:} for Java, for state that handlers share.
 *
 * <p>In every threading mode but {@code singleThreaded()}, two requests can run the same handler
 * at the same time, on threads that share the heap: the code, the static fields and every object
 * reachable from them are common to all threads; only each thread's stack (its local variables) is
 * its own. A read-modify-write of shared state ({@code count = count + 1}) by two threads at once
 * can lose one of the updates. These types make the safe version the short one:
 *
 * <table>
 *   <caption>Which one to use</caption>
 *   <tr><th>you have</th><th>use</th></tr>
 *   <tr><td>one value (a counter, an immutable snapshot, a small map)</td><td>{@link dev.spindle.locks.Guarded}</td></tr>
 *   <tr><td>several fields or an external resource changed together</td><td>{@link dev.spindle.locks.Mutex}</td></tr>
 *   <tr><td>state read far more often than written</td><td>{@link dev.spindle.locks.ReadWriteMutex}</td></tr>
 *   <tr><td>state per user, account or order id</td><td>{@link dev.spindle.locks.KeyedLocks}</td></tr>
 *   <tr><td>a resource that may serve at most N callers at once</td><td>{@link dev.spindle.locks.Limiter}</td></tr>
 * </table>
 *
 * <p>Every acquisition returns a {@link dev.spindle.locks.Held} for try-with-resources; timed
 * acquisitions throw {@link dev.spindle.locks.LockTimeoutException}. Everything is built on
 * {@link java.util.concurrent.locks} (and {@link java.util.concurrent.Semaphore}, which is built on
 * the same queued synchronizer), never on {@code synchronized}, so a virtual thread waiting for a
 * lock gives its carrier thread back on every JDK from 21. Each type can record
 * {@code spindle.lock.wait}, {@code spindle.lock.held} and {@code spindle.lock.timeouts} in a
 * Micrometer registry given to its builder; without one, no clock is read.
 *
 * <p>The package depends on nothing else in Spindle and can be used on its own.
 */
package dev.spindle.locks;

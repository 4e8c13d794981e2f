package dev.spindle.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.spindle.locks.Held;
import dev.spindle.locks.LockTimeoutException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Advisory-lock mutexes against the real server: two connections pools stand for two instances. */
class PostgresMutexTest {

    private static PostgresTesting database;
    private static Postgres a;
    private static Postgres b;

    @BeforeAll
    static void schema() throws SQLException {
        database = PostgresTesting.fresh("mutex");
        a = database.connect(4);
        b = database.connect(4);
        try (Connection connection = a.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE counter (n bigint NOT NULL)");
            statement.execute("INSERT INTO counter VALUES (0)");
        }
    }

    @AfterAll
    static void drop() throws Exception {
        a.close();
        b.close();
        database.close();
    }

    /** A read, then a write: without the mutex, two instances lose each other's updates. */
    private static void increment(Postgres db) throws SQLException {
        try (Connection connection = db.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            long n;
            try (ResultSet rows = statement.executeQuery("SELECT n FROM counter")) {
                rows.next();
                n = rows.getLong(1);
            }
            statement.executeUpdate("UPDATE counter SET n = " + (n + 1));
        }
    }

    private static long counter() throws SQLException {
        try (Connection connection = a.dataSource().getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT n FROM counter")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Test
    void sixty_four_virtual_threads_on_each_of_two_instances_count_exactly_on_pools_of_four() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PostgresMutex onA = a.mutex("counter", registry);
        PostgresMutex onB = b.mutex("counter", registry);
        CyclicBarrier together = new CyclicBarrier(128);
        long before = counter();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 128; t++) {
                PostgresMutex mutex = t % 2 == 0 ? onA : onB;
                Postgres db = t % 2 == 0 ? a : b;
                done.add(threads.submit(() -> {
                    together.await();
                    for (int i = 0; i < 5; i++) {
                        try (Held held = mutex.acquire()) {
                            increment(db);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }
        assertThat(counter() - before).isEqualTo(640);
        assertThat(registry.get("spindle.lock.wait").tag("lock", "counter").timer().count()).isEqualTo(640);
        assertThat(registry.get("spindle.lock.held").tag("lock", "counter").timer().count()).isEqualTo(640);
    }

    @Test
    void a_lock_held_on_one_instance_times_out_on_the_other_and_is_re_entrant_where_held() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PostgresMutex onA = a.mutex("busy", registry);
        PostgresMutex onB = b.mutex("busy", registry);
        try (Held outer = onA.acquire(); Held inner = onA.acquire(Duration.ofSeconds(5))) {
            assertThat(onA.isHeldByCurrentThread()).isTrue();
            Future<Optional<Held>> attempt;
            try (ExecutorService other = Executors.newSingleThreadExecutor()) {
                attempt = other.submit(onB::tryAcquire);
                assertThat(attempt.get()).isEmpty();
                Future<Held> timed = other.submit(() -> onB.acquire(Duration.ofMillis(50)));
                assertThatThrownBy(timed::get).hasCauseInstanceOf(LockTimeoutException.class);
            }
        }
        assertThat(registry.get("spindle.lock.timeouts").tag("lock", "busy").counter().count()).isEqualTo(1);
        try (ExecutorService other = Executors.newSingleThreadExecutor()) {
            Optional<Held> free = other.submit(onB::tryAcquire).get();
            assertThat(free).isPresent();
            other.submit(() -> free.get().close()).get();
        }
    }

    @Test
    void the_lock_of_an_instance_whose_connection_dies_is_released() throws Exception {
        PostgresMutex onA = a.mutex("dying", null);
        PostgresMutex onB = b.mutex("dying", null);
        try (ExecutorService other = Executors.newSingleThreadExecutor()) {
            Held held = onA.acquire();
            assertThat(other.submit(onB::tryAcquire).get()).isEmpty();
            try (Connection connection = b.dataSource().getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                        + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                        + "AND pid <> pg_backend_pid()");
            }
            Held taken = other.submit(() -> onB.acquire(Duration.ofSeconds(30))).get();
            assertThat(other.submit(onB::isHeldByCurrentThread).get()).isTrue();
            other.submit(taken::close).get();
            held.close();
        }
    }

    @ParameterizedTest(name = "{0} thread, {1}")
    @CsvSource({"platform, acquireInterruptibly", "virtual, acquireInterruptibly", "platform, acquire(10 min)",
            "virtual, acquire(10 min)"})
    void an_interrupted_wait_on_postgresql_throws_and_leaves_no_lock_no_queued_session_and_no_borrowed_connection(
            String thread, String method) throws Exception {
        String name = "interrupted-" + thread + "-" + method.length();
        PostgresMutex onA = a.mutex(name, null);
        PostgresMutex onB = b.mutex(name, null);
        Held held = onA.acquire();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread waiter = (thread.equals("virtual") ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
            try {
                Held never = method.equals("acquireInterruptibly") ? onB.acquireInterruptibly() : onB.acquire(Duration.ofMinutes(10));
                never.close();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> PostgresTesting.mutexLocks(name, false) == 1);
            assertThat(PostgresTesting.borrowed(b)).isEqualTo(1);

            waiter.interrupt();
            assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            assertThat(PostgresTesting.mutexLocks(name, false)).as("no session is left in PostgreSQL's queue").isZero();
            assertThat(PostgresTesting.mutexLocks(name, true)).as("A's lock only").isEqualTo(1);
            assertThat(PostgresTesting.borrowed(b)).as("the waiting connection is not borrowed any more").isZero();
            assertThat(((HikariDataSource) b.dataSource()).getHikariPoolMXBean().getTotalConnections()).isLessThanOrEqualTo(4);
        } finally {
            held.close();
        }
        try (ExecutorService other = Executors.newSingleThreadExecutor()) {
            Optional<Held> free = other.submit(onB::tryAcquire).get();
            assertThat(free).as("the interrupted waiter holds nothing, in-process or on PostgreSQL").isPresent();
            other.submit(() -> free.get().close()).get();
        }
        assertThat(PostgresTesting.mutexLocks(name, true)).isZero();
    }

    @Test
    void acquire_waits_through_a_virtual_threads_interrupt_and_keeps_its_status() throws Exception {
        PostgresMutex onA = a.mutex("stubborn", null);
        PostgresMutex onB = b.mutex("stubborn", null);
        Held held = onA.acquire();
        CompletableFuture<Boolean> interruptedWhenAcquired = new CompletableFuture<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                Held mine = onB.acquire();
                boolean interrupted = Thread.interrupted();
                mine.close();
                interruptedWhenAcquired.complete(interrupted);
            } catch (Throwable e) {
                interruptedWhenAcquired.completeExceptionally(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> PostgresTesting.mutexLocks("stubborn", false) == 1);
            waiter.interrupt();
            // The waiter takes the interrupt (its status clears) and goes on waiting: a virtual thread's
            // interrupt closes a socket it reads, so the wait's socket must not be the waiter's.
            await().atMost(Duration.ofSeconds(30)).until(() -> !waiter.isInterrupted());
            assertThat(interruptedWhenAcquired).isNotDone();
            assertThat(PostgresTesting.mutexLocks("stubborn", false)).as("still queued on PostgreSQL").isEqualTo(1);
        } finally {
            held.close();
        }
        assertThat(interruptedWhenAcquired.get(30, TimeUnit.SECONDS)).as("the interrupt status is kept").isTrue();
        assertThat(PostgresTesting.mutexLocks("stubborn", true)).isZero();
    }

    @Test
    void a_virtual_thread_with_its_interrupt_status_set_acquires_tries_and_releases_keeping_the_status()
            throws Exception {
        PostgresMutex onA = a.mutex("interrupt-status", null);
        PostgresMutex onB = b.mutex("interrupt-status", null);
        CompletableFuture<List<Boolean>> statuses = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.currentThread().interrupt();
                Held held = onA.acquire();
                boolean afterAcquire = Thread.currentThread().isInterrupted();
                held.close();
                boolean afterRelease = Thread.currentThread().isInterrupted();
                Held tried = onA.tryAcquire().orElseThrow();
                tried.close();
                statuses.complete(List.of(afterAcquire, afterRelease, Thread.interrupted()));
            } catch (Throwable e) {
                statuses.completeExceptionally(e);
            }
        });
        assertThat(statuses.get(30, TimeUnit.SECONDS)).as("the status is kept through each call").containsExactly(true, true, true);
        assertThat(PostgresTesting.borrowed(a)).as("no connection lost or kept").isZero();
        try (Held other = onB.tryAcquire().orElseThrow()) {
            assertThat(other).as("released on PostgreSQL, not by a closed session").isNotNull();
        }
    }
}

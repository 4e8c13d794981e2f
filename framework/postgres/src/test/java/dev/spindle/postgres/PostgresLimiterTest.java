package dev.spindle.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.spindle.locks.Held;
import dev.spindle.locks.LockTimeoutException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** Limiters of advisory-lock slots against the real server: two connection pools of four stand for two instances. */
class PostgresLimiterTest {

    private static PostgresTesting database;
    private static Postgres a;
    private static Postgres b;

    @BeforeAll
    static void connect() {
        database = PostgresTesting.fresh("limiter");
        a = database.connect(4);
        b = database.connect(4);
    }

    @AfterAll
    static void drop() throws Exception {
        a.close();
        b.close();
        database.close();
    }

    private static int active(Postgres db) {
        return ((HikariDataSource) db.dataSource()).getHikariPoolMXBean().getActiveConnections();
    }

    @Test
    void a_limiter_of_three_across_two_instances_never_admits_a_fourth_and_everyone_finishes() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PostgresLimiter onA = a.limiter("render", 3, registry);
        PostgresLimiter onB = b.limiter("render", 3, registry);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        AtomicInteger mostConnections = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        CyclicBarrier together = new CyclicBarrier(128);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 128; t++) {
                PostgresLimiter limiter = t % 2 == 0 ? onA : onB;
                Postgres db = t % 2 == 0 ? a : b;
                done.add(threads.submit(() -> {
                    together.await();
                    for (int i = 0; i < 3; i++) {
                        try (Held permit = limiter.acquire()) {
                            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            mostConnections.accumulateAndGet(active(db), Math::max);
                            Thread.yield();
                            inside.decrementAndGet();
                        }
                    }
                    finished.incrementAndGet();
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }
        assertThat(finished.get()).isEqualTo(128);
        assertThat(mostInside.get()).isBetween(1, 3);
        assertThat(mostConnections.get()).as("one connection per held permit, none per waiter").isLessThanOrEqualTo(3);
        assertThat(onA.available()).isEqualTo(3);
        assertThat(registry.get("spindle.lock.wait").tag("lock", "render").timer().count()).isEqualTo(384);
        assertThat(registry.get("spindle.lock.held").tag("lock", "render").timer().count()).isEqualTo(384);
    }

    @Test
    void three_permits_are_held_at_once_across_instances_and_a_fourth_caller_times_out() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PostgresLimiter onA = a.limiter("full", 3, registry);
        PostgresLimiter onB = b.limiter("full", 3, registry);
        Held first = onA.acquire();
        Held second = onA.acquire(Duration.ofSeconds(30));
        Held third = onB.tryAcquire().orElseThrow();
        try {
            assertThat(onB.available()).isZero();
            assertThat(onB.tryAcquire()).isEmpty();
            assertThatThrownBy(() -> onB.acquire(Duration.ofMillis(50))).isInstanceOf(LockTimeoutException.class)
                    .hasMessageContaining("'full'");
            assertThatThrownBy(() -> onA.acquire(Duration.ofMillis(50))).isInstanceOf(LockTimeoutException.class);
            third.close();
            try (Held fromB = onA.acquire(Duration.ofSeconds(30))) {
                assertThatThrownBy(() -> onA.acquire(Duration.ofMillis(50))).as("all three permits are A's now")
                        .isInstanceOf(LockTimeoutException.class);
            }
        } finally {
            first.close();
            second.close();
            third.close();
        }
        assertThat(onA.available()).isEqualTo(3);
        assertThat(registry.get("spindle.lock.timeouts").tag("lock", "full").counter().count()).isEqualTo(3);
    }

    @Test
    void a_permit_is_closed_once_from_any_thread() throws Exception {
        PostgresLimiter onA = a.limiter("single", 1, null);
        PostgresLimiter onB = b.limiter("single", 1, null);
        Held permit = onA.acquire();
        try (ExecutorService other = Executors.newSingleThreadExecutor()) {
            other.submit(permit::close).get();
            other.submit(permit::close).get();
            Optional<Held> onOther = onB.tryAcquire();
            assertThat(onOther).isPresent();
            permit.close();
            assertThat(onA.tryAcquire()).as("closing twice did not free a second slot").isEmpty();
            onOther.get().close();
        }
        assertThat(onA.available()).isEqualTo(1);
    }

    @Test
    void the_permits_of_an_instance_whose_connections_die_are_released() throws Exception {
        PostgresLimiter onA = a.limiter("dying", 2, null);
        PostgresLimiter onB = b.limiter("dying", 2, null);
        Held first = onA.acquire();
        Held second = onA.acquire();
        assertThat(onB.tryAcquire()).isEmpty();
        try (Connection connection = b.dataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_locks "
                     + "WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid::bigint = ? "
                     + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
            statement.setLong(1, Integer.toUnsignedLong(onA.namespace()));
            statement.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        Held onOther = onB.acquire(Duration.ofSeconds(30));
        Held another = onB.acquire(Duration.ofSeconds(30));
        first.close();
        second.close();
        onOther.close();
        another.close();
        try (Held again = onA.acquire(Duration.ofSeconds(30))) {
            assertThat(onA.available()).isEqualTo(1);
        }
    }

    @Test
    void a_waiter_on_b_is_woken_by_the_release_on_a_not_by_looking_again() throws Exception {
        PostgresLimiter onA = a.limiter("wake", 1, null);
        PostgresLimiter onB = new PostgresLimiter(b, "wake", 1, null, Duration.ofHours(1));
        Held held = onA.acquire();
        CountDownLatch acquired = new CountDownLatch(1);
        Thread waiter = Thread.ofVirtual().start(() -> {
            try (Held permit = onB.acquire()) {
                acquired.countDown();
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> PostgresTesting.advisoryLocks(onB.namespace(), -1, true) == 1);
            assertThat(acquired.getCount()).as("B waits while A holds the only slot").isEqualTo(1);
        } finally {
            held.close();
        }
        assertThat(acquired.await(30, TimeUnit.SECONDS)).as("woken by A's notification, B looks again only hourly").isTrue();
        waiter.join();
        assertThat(PostgresTesting.advisoryLocks(onB.namespace(), -1, true)).as("the waiting mark is dropped").isZero();
        assertThat(onA.available()).isEqualTo(1);
    }

    @Test
    void only_a_release_that_someone_waits_for_sends_a_notification() throws Exception {
        PostgresLimiter onA = a.limiter("quiet", 1, null);
        PostgresLimiter onB = b.limiter("quiet", 1, null);
        String payload = Integer.toString(onA.namespace());
        try (Connection listening = DriverManager.getConnection(PostgresTesting.URL, new Properties());
             Statement statement = listening.createStatement()) {
            statement.execute("LISTEN " + Releases.CHANNEL);
            onA.acquire().close();
            Held held = onA.acquire();
            Thread waiter = Thread.ofVirtual().start(() -> onB.acquire().close());
            await().atMost(Duration.ofSeconds(30)).until(() -> PostgresTesting.advisoryLocks(onB.namespace(), -1, true) == 1);
            held.close();
            waiter.join();
            statement.execute("NOTIFY " + Releases.CHANNEL + ", 'end'");
            // Notifications arrive in commit order: every release's comes before the 'end' sent after them all.
            List<String> heard = new ArrayList<>();
            PGConnection pg = listening.unwrap(PGConnection.class);
            while (!heard.contains("end")) {
                PGNotification[] notifications = pg.getNotifications(30_000);
                assertThat(notifications).as("no notification within 30 s").isNotNull();
                for (PGNotification notification : notifications) {
                    if (notification.getParameter().equals(payload) || notification.getParameter().equals("end")) {
                        heard.add(notification.getParameter());
                    }
                }
            }
            assertThat(heard).as("the release B waited for; not the one before, nor B's own").containsExactly(payload, "end");
        }
    }

    @Test
    void an_interrupted_waiter_drops_its_mark_and_returns_its_connection() throws Exception {
        PostgresLimiter onA = a.limiter("interrupted", 1, null);
        PostgresLimiter onB = b.limiter("interrupted", 1, null);
        Held held = onA.acquire();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                onB.acquire(Duration.ofMinutes(10)).close();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> PostgresTesting.advisoryLocks(onB.namespace(), -1, true) == 1);
            waiter.interrupt();
            assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            assertThat(PostgresTesting.advisoryLocks(onB.namespace(), -1, true)).isZero();
            assertThat(PostgresTesting.borrowed(b)).isZero();
        } finally {
            held.close();
        }
        Held free = onB.tryAcquire().orElseThrow();
        free.close();
        assertThat(onB.available()).isEqualTo(1);
    }

    @Test
    void a_virtual_thread_with_its_interrupt_status_set_waits_for_a_slot_and_releases_it_keeping_the_status()
            throws Exception {
        PostgresLimiter onA = a.limiter("interrupt-status", 1, null);
        PostgresLimiter onB = b.limiter("interrupt-status", 1, null);
        Held held = onA.acquire();
        CompletableFuture<List<Boolean>> statuses = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.currentThread().interrupt();
                Held mine = onB.acquire();
                boolean afterAcquire = Thread.currentThread().isInterrupted();
                mine.close();
                statuses.complete(List.of(afterAcquire, Thread.interrupted()));
            } catch (Throwable e) {
                statuses.completeExceptionally(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> PostgresTesting.advisoryLocks(onB.namespace(), -1, true) == 1);
            assertThat(statuses).as("waiting on A's slot, not failed by its interrupt status").isNotDone();
        } finally {
            held.close();
        }
        assertThat(statuses.get(30, TimeUnit.SECONDS)).as("the status is kept through each call").containsExactly(true, true);
        assertThat(PostgresTesting.borrowed(b)).as("no connection lost or kept").isZero();
        Held free = onA.tryAcquire().orElseThrow();
        free.close();
    }
}

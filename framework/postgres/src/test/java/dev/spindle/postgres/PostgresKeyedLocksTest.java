package dev.spindle.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.spindle.locks.Held;
import dev.spindle.locks.LockTimeoutException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

/** Keyed advisory locks against the real server: two connection pools of four stand for two instances. */
class PostgresKeyedLocksTest {

    private static PostgresTesting database;
    private static Postgres a;
    private static Postgres b;

    @BeforeAll
    static void schema() throws SQLException {
        database = PostgresTesting.fresh("keyed");
        a = database.connect(4);
        b = database.connect(4);
        try (Connection connection = a.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE counters (k text PRIMARY KEY, n bigint NOT NULL)");
        }
    }

    @AfterAll
    static void drop() throws Exception {
        a.close();
        b.close();
        database.close();
    }

    /** A read, then a write: without the lock, two instances lose each other's updates. */
    private static void increment(Postgres db, String key) throws SQLException {
        try (Connection connection = db.dataSource().getConnection()) {
            long n = 0;
            try (PreparedStatement read = connection.prepareStatement("SELECT n FROM counters WHERE k = ?")) {
                read.setString(1, key);
                try (ResultSet rows = read.executeQuery()) {
                    if (rows.next()) {
                        n = rows.getLong(1);
                    }
                }
            }
            try (PreparedStatement write = connection.prepareStatement(
                    "INSERT INTO counters (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n")) {
                write.setString(1, key);
                write.setLong(2, n + 1);
                write.executeUpdate();
            }
        }
    }

    private static long counter(String key) throws SQLException {
        try (Connection connection = a.dataSource().getConnection();
             PreparedStatement read = connection.prepareStatement("SELECT coalesce(max(n), 0) FROM counters WHERE k = ?")) {
            read.setString(1, key);
            try (ResultSet rows = read.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static int active(Postgres db) {
        return ((HikariDataSource) db.dataSource()).getHikariPoolMXBean().getActiveConnections();
    }

    private static void terminateHoldersOf(int namespace) throws SQLException {
        try (Connection connection = b.dataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_locks "
                     + "WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid::bigint = ? "
                     + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
            statement.setLong(1, Integer.toUnsignedLong(namespace));
            statement.execute();
        }
    }

    @Test
    void one_hundred_twenty_eight_waiters_on_one_key_across_two_instances_count_exactly_on_pools_of_four() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PostgresKeyedLocks<String> onA = a.keyedLocks("accounts", registry);
        PostgresKeyedLocks<String> onB = b.keyedLocks("accounts", registry);
        AtomicInteger mostConnections = new AtomicInteger();
        CyclicBarrier together = new CyclicBarrier(128);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 128; t++) {
                PostgresKeyedLocks<String> locks = t % 2 == 0 ? onA : onB;
                Postgres db = t % 2 == 0 ? a : b;
                done.add(threads.submit(() -> {
                    together.await();
                    for (int i = 0; i < 5; i++) {
                        try (Held held = locks.acquire("alice")) {
                            mostConnections.accumulateAndGet(active(db), Math::max);
                            increment(db, "alice");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }
        assertThat(counter("alice")).isEqualTo(640);
        assertThat(mostConnections.get()).as("the lock's connection and the increment's, never one per waiter").isLessThanOrEqualTo(2);
        assertThat(onA.activeKeys()).isZero();
        assertThat(onB.activeKeys()).isZero();
        assertThat(registry.get("spindle.lock.wait").tag("lock", "accounts").timer().count()).isEqualTo(640);
        assertThat(registry.get("spindle.lock.held").tag("lock", "accounts").timer().count()).isEqualTo(640);
    }

    @Test
    void different_keys_are_held_at_once_on_two_instances_and_the_same_key_is_not() throws Exception {
        PostgresKeyedLocks<String> onA = a.keyedLocks("parallel", null);
        PostgresKeyedLocks<String> onB = b.keyedLocks("parallel", null);
        CyclicBarrier bothInside = new CyclicBarrier(2);
        CountDownLatch inside = new CountDownLatch(2);
        CountDownLatch checked = new CountDownLatch(1);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> x = threads.submit(() -> {
                try (Held held = onA.acquire("x")) {
                    try {
                        bothInside.await(30, TimeUnit.SECONDS);
                    } finally {
                        inside.countDown();
                    }
                    checked.await();
                }
                return null;
            });
            Future<?> y = threads.submit(() -> {
                try (Held held = onB.acquire("y")) {
                    try {
                        bothInside.await(30, TimeUnit.SECONDS);
                    } finally {
                        inside.countDown();
                    }
                    checked.await();
                }
                return null;
            });
            try {
                inside.await();
                assertThat(threads.submit(() -> onB.tryAcquire("x")).get()).isEmpty();
                assertThat(threads.submit(() -> onA.tryAcquire("y")).get()).isEmpty();
                assertThat(onA.activeKeys()).isEqualTo(1);
            } finally {
                checked.countDown();
            }
            x.get();
            y.get();
        }
        try (ExecutorService other = Executors.newSingleThreadExecutor()) {
            Optional<Held> free = other.submit(() -> onB.tryAcquire("x")).get();
            assertThat(free).isPresent();
            other.submit(() -> free.get().close()).get();
        }
    }

    @Test
    void timed_acquisitions_throw_lock_timeout_and_a_timed_acquire_all_keeps_nothing() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PostgresKeyedLocks<String> onA = a.keyedLocks("busy", registry);
        PostgresKeyedLocks<String> onB = b.keyedLocks("busy", registry);
        try (Held held = onA.acquire("taken"); ExecutorService other = Executors.newSingleThreadExecutor()) {
            Future<Held> acrossInstances = other.submit(() -> onB.acquire("taken", Duration.ofMillis(50)));
            assertThatThrownBy(acrossInstances::get).hasCauseInstanceOf(LockTimeoutException.class);
            Future<Held> inProcess = other.submit(() -> onA.acquire("taken", Duration.ofMillis(50)));
            assertThatThrownBy(inProcess::get).hasCauseInstanceOf(LockTimeoutException.class);
            Future<Held> all = other.submit(() -> onB.acquireAll(Duration.ofMillis(50), List.of("free", "taken")));
            assertThatThrownBy(all::get).hasCauseInstanceOf(LockTimeoutException.class)
                    .cause().hasMessageContaining("'busy'");
            assertThat(onB.activeKeys()).isZero();
            Optional<Held> free = onA.tryAcquire("free");
            assertThat(free).as("the timed acquireAll released the key it had taken").isPresent();
            free.get().close();
        }
        assertThat(registry.get("spindle.lock.timeouts").tag("lock", "busy").counter().count()).isEqualTo(3);
    }

    @Test
    void keys_sharing_a_lock_id_are_one_lock_taken_once_by_acquire_all_and_re_entrantly() throws Exception {
        PostgresKeyedLocks<String> onA = a.keyedLocks("colliding", null);
        PostgresKeyedLocks<String> onB = b.keyedLocks("colliding", null);
        Map<Integer, String> seen = new HashMap<>();
        String first = null;
        String second = null;
        for (int i = 0; first == null; i++) {
            String key = "key-" + i;
            String earlier = seen.putIfAbsent(onA.id(key), key);
            if (earlier != null) {
                first = earlier;
                second = key;
            }
        }
        try (Held both = onA.acquireAll(first, second)) {
            assertThat(onA.isHeldByCurrentThread(first)).isTrue();
            assertThat(onA.activeKeys()).isEqualTo(1);
            try (Held again = onA.acquire(second, Duration.ofSeconds(30))) {
                assertThat(active(a)).as("one connection for the shared lock").isEqualTo(1);
            }
            String other = second;
            try (ExecutorService thread = Executors.newSingleThreadExecutor()) {
                assertThat(thread.submit(() -> onB.tryAcquire(other)).get()).isEmpty();
            }
        }
        assertThat(onA.activeKeys()).isZero();
    }

    @Test
    void the_key_held_by_an_instance_whose_connection_dies_is_released() throws Exception {
        PostgresKeyedLocks<String> onA = a.keyedLocks("dying", null);
        PostgresKeyedLocks<String> onB = b.keyedLocks("dying", null);
        try (ExecutorService other = Executors.newSingleThreadExecutor()) {
            Held held = onA.acquire("order-7");
            assertThat(other.submit(() -> onB.tryAcquire("order-7")).get()).isEmpty();
            terminateHoldersOf(onA.namespace());
            Held taken = other.submit(() -> onB.acquire("order-7", Duration.ofSeconds(30))).get();
            assertThat(other.submit(() -> onB.isHeldByCurrentThread("order-7")).get()).isTrue();
            other.submit(taken::close).get();
            held.close();
            assertThat(onA.activeKeys()).isZero();
        }
        try (Held again = onA.acquire("order-7", Duration.ofSeconds(30))) {
            assertThat(onA.isHeldByCurrentThread("order-7")).isTrue();
        }
    }

    @Test
    void a_handle_closed_by_another_thread_throws_and_releases_nothing() throws Exception {
        PostgresKeyedLocks<String> onA = a.keyedLocks("owned", null);
        try (Held held = onA.acquire("k"); ExecutorService other = Executors.newSingleThreadExecutor()) {
            assertThatThrownBy(() -> other.submit(held::close).get()).hasCauseInstanceOf(IllegalMonitorStateException.class);
            assertThat(onA.isHeldByCurrentThread("k")).isTrue();
        }
        assertThat(onA.activeKeys()).isZero();
    }

    @Test
    void an_interrupted_wait_for_a_key_on_postgresql_holds_nothing_and_borrows_nothing() throws Exception {
        PostgresKeyedLocks<String> onA = a.keyedLocks("interrupted", null);
        PostgresKeyedLocks<String> onB = b.keyedLocks("interrupted", null);
        Held held = onA.acquire("taken");
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                onB.acquireInterruptibly("taken").close();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> PostgresTesting.advisoryLocks(onB.namespace(), onB.id("taken"), false) == 1);
            waiter.interrupt();
            assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            assertThat(PostgresTesting.advisoryLocks(onB.namespace(), onB.id("taken"), false)).isZero();
            assertThat(PostgresTesting.borrowed(b)).isZero();
            assertThat(onB.activeKeys()).isZero();
        } finally {
            held.close();
        }
    }

    @Test
    void an_acquire_all_interrupted_on_its_second_key_releases_the_first() throws Exception {
        PostgresKeyedLocks<String> onA = a.keyedLocks("all-interrupted", null);
        PostgresKeyedLocks<String> onB = b.keyedLocks("all-interrupted", null);
        String first = "k1";
        String second = "k2";
        if (Integer.compare(onA.id(first), onA.id(second)) > 0) {
            first = "k2";
            second = "k1";
        }
        String waitedFor = second;
        Held held = onA.acquire(waitedFor);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                onB.acquireAll(Duration.ofMinutes(10), List.of("k1", "k2")).close();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> PostgresTesting.advisoryLocks(onB.namespace(), onB.id(waitedFor), false) == 1);
            assertThat(PostgresTesting.advisoryLocks(onB.namespace(), onB.id(first), true)).as("the first key, taken").isEqualTo(1);
            waiter.interrupt();
            assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            assertThat(PostgresTesting.advisoryLocks(onB.namespace(), onB.id(first), true)).isZero();
            assertThat(PostgresTesting.advisoryLocks(onB.namespace(), onB.id(waitedFor), false)).isZero();
            assertThat(PostgresTesting.borrowed(b)).isZero();
            assertThat(onB.activeKeys()).isZero();
        } finally {
            held.close();
        }
    }
}

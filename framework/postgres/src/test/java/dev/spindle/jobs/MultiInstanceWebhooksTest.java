package dev.spindle.jobs;

import static dev.spindle.jobs.Instances.json;
import static dev.spindle.jobs.Instances.request;
import static dev.spindle.jobs.Instances.send;
import static dev.spindle.jobs.Instances.submit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.jobs.Instances.Instance;
import dev.spindle.jobs.Receiver.Request;
import dev.spindle.postgres.Postgres;
import dev.spindle.postgres.PostgresTesting;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhook deliveries with a shared PostgreSQL store: queued with the job's end, claimed by one
 * instance at a time, at least once, under one {@code webhook-id} whoever sends it, each attempt
 * recorded in the delivery's row. The instances are Spindle apps in this JVM; the receiver is the
 * JDK's HTTP server on 127.0.0.1, the one callback URL the instances allow ({@code allowCallbackUrl}),
 * every other internal address being refused as always.
 */
class MultiInstanceWebhooksTest {

    private static PostgresTesting database;
    private static Postgres db;

    @BeforeAll
    static void schema() {
        database = PostgresTesting.fresh("hooks");
        db = database.connect(2);
    }

    @AfterAll
    static void drop() throws Exception {
        db.close();
        database.close();
    }

    /** The tests share a schema, and each its own receiver: no delivery of one may reach the next. */
    @AfterEach
    void forgetDeliveries() throws SQLException {
        try (Connection connection = db.dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("DELETE FROM spindle_webhooks");
        }
    }

    /** An instance that runs gate jobs and delivers their webhooks to the receiver, signed with the shared secret, looking every 100 ms. */
    private static Instance instance(String name, Receiver receiver, Function<JobStore, JobStore> store,
                                     Consumer<JobSettings> setup) {
        return instance(name, receiver.url(), store, setup);
    }

    /** As above, exempting {@code allowedUrl} from the internal-address check, and only it. */
    private static Instance instance(String name, String allowedUrl, Function<JobStore, JobStore> store,
                                     Consumer<JobSettings> setup) {
        return Instances.start(name, database.connect(4), true, store, settings -> {
            settings.webhookSecret(Receiver.SECRET).allowCallbackUrl(allowedUrl).resync(Duration.ofMillis(100));
            setup.accept(settings);
        });
    }

    @Test
    void a_job_finished_on_a_that_stops_before_delivering_is_delivered_by_b_under_the_id_queued_with_the_job()
            throws Exception {
        try (Receiver receiver = Receiver.start()) {
            String id;
            try (Instance a = instance("A", receiver, Instances::withoutWebhookClaims, settings -> { })) {
                id = submit(a, null, receiver.url());
                assertThat(json(send(request(a, "/jobs/" + id + "?wait=60s")).body()).get("state")).isEqualTo("SUCCEEDED");
            }
            List<Row> queued = pending();
            assertThat(queued).singleElement().satisfies(row -> {
                assertThat(row.jobId()).isEqualTo(id);
                assertThat(row.attempts()).isZero();
            });
            String deliveryId = queued.getFirst().id();

            try (Instance b = instance("B", receiver, Function.identity(), settings -> { })) {
                Request delivered = receiver.next();
                assertThat(delivered.id()).isEqualTo(deliveryId);
                assertThat(delivered.verified()).as("B signs with the secret every instance shares").isEqualTo(deliveryId);
                assertThat(delivered.attempt()).isEqualTo(1);
                awaitEnded(deliveryId);
                assertThat(recorded(b, id)).singleElement()
                        .isEqualTo(delivery(deliveryId, 1, 204, "delivered"));
            }
            assertThat(receiver.total()).isEqualTo(1);
        }
    }

    @Test
    void an_attempt_cut_short_by_its_instance_stopping_is_made_again_by_another_under_the_same_webhook_id()
            throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        try (Receiver receiver = Receiver.start()) {
            receiver.answer(request -> {
                if (request.seen() == 1) {
                    hold.await();
                }
                return 204;
            });
            Instance a = instance("A", receiver, Function.identity(), settings -> { });
            try {
                String id = submit(a, null, receiver.url());
                Request first = receiver.next();
                try (Instance b = instance("B", receiver, Function.identity(), settings -> { })) {
                    assertThat(row(first.id()).leased()).as("A holds the claim while its attempt is open").isTrue();
                    a.close();
                    Request second = receiver.next();
                    assertThat(second.id()).isEqualTo(first.id());
                    assertThat(List.of(first.verified(), second.verified())).containsOnly(first.id());
                    assertThat(second.attempt()).as("the attempt cut short counts").isEqualTo(2);
                    awaitEnded(first.id());
                    assertThat(recorded(b, id)).singleElement()
                            .isEqualTo(delivery(first.id(), 2, 204, "delivered"));
                }
            } finally {
                hold.countDown();
                a.close();
            }
        }
    }

    @Test
    void a_claim_left_by_an_instance_that_died_lapses_and_another_repeats_the_attempt_under_the_same_id()
            throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        try (Receiver receiver = Receiver.start()) {
            receiver.answer(request -> {
                if (request.seen() == 1) {
                    hold.await();
                }
                return 204;
            });
            Instance a = instance("A", receiver, Instances::dyingDuringItsFirstWebhook, settings -> settings
                    .lease(Duration.ofMillis(300)).webhookTimeout(Duration.ofSeconds(2)));
            try {
                String id = submit(a, null, receiver.url());
                Request first = receiver.next();
                a.close();
                assertThat(row(first.id()).leased()).as("the dead instance's claim stays until it lapses").isTrue();
                try (Instance b = instance("B", receiver, Function.identity(), settings -> { })) {
                    Request second = receiver.next();
                    assertThat(second.id()).isEqualTo(first.id());
                    assertThat(second.attempt()).isEqualTo(2);
                    assertThat(second.seen()).as("at least once: the receiver drops the repeat on its webhook-id").isEqualTo(2);
                    awaitEnded(first.id());
                    assertThat(recorded(b, id)).last()
                            .isEqualTo(delivery(first.id(), 2, 204, "delivered"));
                }
            } finally {
                hold.countDown();
                a.close();
            }
        }
    }

    @Test
    void failed_attempts_are_recorded_in_the_delivery_row_and_retried_on_the_schedule_until_a_2xx()
            throws Exception {
        try (Receiver receiver = Receiver.start();
             Instance a = instance("A", receiver, Function.identity(), settings -> settings
                     .webhookRetries(Duration.ZERO, Duration.ZERO, Duration.ofHours(1)))) {
            receiver.answer(request -> request.attempt() <= 3 ? 500 : 204);
            String id = submit(a, null, receiver.url());
            String deliveryId = receiver.next().id();
            assertThat(List.of(receiver.next().id(), receiver.next().id())).containsOnly(deliveryId);

            Row failedThrice = await().atMost(Duration.ofSeconds(30)).until(() -> row(deliveryId),
                    row -> row != null && row.attempts() == 3 && !row.leased());
            assertThat(failedThrice.lastStatus()).isEqualTo(500);
            assertThat(failedThrice.lastOutcome()).isEqualTo("failed");
            assertThat(failedThrice.lastDetail()).isEqualTo("The receiver answered 500");
            assertThat(failedThrice.dueIn()).as("the third delay, 1 h, less up to 10 %")
                    .isBetween(Duration.ofMinutes(50), Duration.ofMinutes(60));

            makeDue(deliveryId);   // the hour passes
            Request fourth = receiver.next();
            assertThat(fourth.id()).isEqualTo(deliveryId);
            assertThat(fourth.attempt()).isEqualTo(4);
            assertThat(fourth.verified()).isEqualTo(deliveryId);
            awaitEnded(deliveryId);
            assertThat(recorded(a, id)).containsExactly(
                    delivery(deliveryId, 1, 500, "failed"), delivery(deliveryId, 2, 500, "failed"),
                    delivery(deliveryId, 3, 500, "failed"), delivery(deliveryId, 4, 204, "delivered"));
        }
    }

    @Test
    void two_instances_send_each_webhook_exactly_once() throws Exception {
        int jobs = 40;
        CountDownLatch everyDelivery = new CountDownLatch(jobs);
        try (Receiver receiver = Receiver.start()) {
            receiver.answer(request -> {
                if (request.seen() == 1) {
                    everyDelivery.countDown();
                }
                return 204;
            });
            List<String> ids = new ArrayList<>();
            try (Instance a = instance("A", receiver, Function.identity(), settings -> { });
                 Instance b = instance("B", receiver, Function.identity(), settings -> { })) {
                for (int i = 0; i < jobs; i++) {
                    ids.add(submit(i % 2 == 0 ? a : b, null, receiver.url()));
                }
                Instances.await(everyDelivery, "not every job's webhook came");
                await().atMost(Duration.ofSeconds(30)).until(() -> pending().isEmpty());
                for (String id : ids) {
                    assertThat(recorded(a, id)).singleElement()
                            .satisfies(delivery -> assertThat(delivery.outcome()).isEqualTo("delivered"));
                }
            }
            // Both instances have stopped: an attempt still in flight would have reached the receiver by now.
            assertThat(receiver.total()).isEqualTo(jobs);
        }
    }

    @Test
    void a_restarted_instance_resumes_a_delivery_waiting_for_its_retry() throws Exception {
        try (Receiver receiver = Receiver.start()) {
            receiver.answer(request -> request.attempt() == 1 ? 503 : 204);
            String id;
            String deliveryId;
            try (Instance a = instance("A", receiver, Function.identity(), settings -> settings
                    .webhookRetries(Duration.ofHours(1)))) {
                id = submit(a, null, receiver.url());
                deliveryId = receiver.next().id();
                await().atMost(Duration.ofSeconds(30)).until(() -> row(deliveryId),
                        row -> row != null && row.lastStatus() != null && !row.leased());
            }
            makeDue(deliveryId);   // the hour passes while no instance runs

            try (Instance restarted = instance("A", receiver, Function.identity(), settings -> settings
                    .webhookRetries(Duration.ofHours(1)))) {
                Request resumed = receiver.next();
                assertThat(resumed.id()).isEqualTo(deliveryId);
                assertThat(resumed.attempt()).isEqualTo(2);
                awaitEnded(deliveryId);
                assertThat(recorded(restarted, id)).containsExactly(
                        delivery(deliveryId, 1, 503, "failed"), delivery(deliveryId, 2, 204, "delivered"));
            }
            assertThat(receiver.total()).isEqualTo(2);
        }
    }

    @Test
    void a_failed_delivery_is_given_up_when_the_store_holds_webhook_max_pending_retries_already() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Receiver receiver = Receiver.start();
             Instance a = instance("A", receiver, Function.identity(), settings -> settings
                     .webhookMaxPendingRetries(0).meterRegistry(registry))) {
            receiver.answer(request -> 500);
            String id = submit(a, null, receiver.url());
            String deliveryId = receiver.next().id();
            awaitEnded(deliveryId);
            assertThat(recorded(a, id)).singleElement()
                    .isEqualTo(delivery(deliveryId, 1, 500, "failed"));
            assertThat(registry.get("spindle.webhook.abandoned").tag("reason", "backlog").counter().count()).isEqualTo(1);
            assertThat(receiver.total()).isEqualTo(1);
        }
    }

    @Test
    void the_instance_that_makes_a_delivery_checks_its_url_and_refuses_an_internal_one_before_connecting()
            throws Exception {
        try (ServerSocketChannel trap = ServerSocketChannel.open()) {
            trap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            trap.configureBlocking(false);
            String url = "http://127.0.0.1:" + ((InetSocketAddress) trap.getLocalAddress()).getPort() + "/hook";
            String id;
            try (Instance a = instance("A", url, Instances::withoutWebhookClaims, settings -> { })) {
                id = submit(a, null, url);
                assertThat(json(send(request(a, "/jobs/" + id + "?wait=60s")).body()).get("state")).isEqualTo("SUCCEEDED");
            }
            String deliveryId = pending().getFirst().id();
            try (Instance b = instance("B", "http://127.0.0.1:9/elsewhere", Function.identity(), settings -> { })) {
                awaitEnded(deliveryId);
                assertThat(recorded(b, id)).singleElement().satisfies(refused -> {
                    assertThat(refused.outcome()).isEqualTo("refused");
                    assertThat(refused.status()).isNull();
                    assertThat(refused.detail()).contains("loopback");
                });
            }
            assertThat(trap.accept()).as("B never connected to the URL only A exempts").isNull();
        }
    }

    /** A delivery's row, as the tests read it; {@code dueIn} from the database's now. */
    record Row(String id, String jobId, int attempts, Integer lastStatus, String lastOutcome, String lastDetail,
               boolean leased, Duration dueIn) {
    }

    private static final String ROWS = "SELECT id, job_id, attempts, last_status, last_outcome, last_detail, "
            + "lease_token IS NOT NULL AND lease_until > now(), extract(epoch FROM due - now()) FROM spindle_webhooks";

    private static Row row(String deliveryId) throws SQLException {
        List<Row> rows = rows(ROWS + " WHERE id = ?", deliveryId);
        return rows.isEmpty() ? null : rows.getFirst();
    }

    private static List<Row> pending() throws SQLException {
        return rows(ROWS + " ORDER BY created_at", null);
    }

    private static List<Row> rows(String sql, String id) throws SQLException {
        try (Connection connection = db.dataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            if (id != null) {
                statement.setString(1, id);
            }
            List<Row> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(new Row(result.getString(1), result.getString(2), result.getInt(3),
                            (Integer) result.getObject(4), result.getString(5), result.getString(6), result.getBoolean(7),
                            Duration.ofMillis(Math.round(result.getDouble(8) * 1000))));
                }
            }
            return rows;
        }
    }

    /** Makes a waiting delivery due now, as if its wait had passed. */
    private static void makeDue(String deliveryId) throws SQLException {
        try (Connection connection = db.dataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement("UPDATE spindle_webhooks SET due = now() WHERE id = ?")) {
            statement.setString(1, deliveryId);
            assertThat(statement.executeUpdate()).isEqualTo(1);
        }
    }

    /** Waits until the delivery has ended: its row is deleted once its last attempt is recorded. */
    private static void awaitEnded(String deliveryId) {
        await().atMost(Duration.ofSeconds(30)).until(() -> row(deliveryId) == null);
    }

    /** The attempts recorded on the job, their times left out. */
    private static List<Delivery> recorded(Instance instance, String jobId) {
        return instance.jobs().find(jobId).orElseThrow().deliveries().stream()
                .map(d -> new Delivery(d.id(), d.attempt(), null, d.status(), d.outcome(), d.detail())).toList();
    }

    /** A delivery as {@link #recorded} shows it. */
    private static Delivery delivery(String id, int attempt, int status, String outcome) {
        return new Delivery(id, attempt, null, status, outcome, status / 100 == 2 ? null : "The receiver answered " + status);
    }
}

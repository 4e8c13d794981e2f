package dev.spindle.postgres;

import dev.spindle.jobs.Delivery;
import dev.spindle.jobs.Job;
import dev.spindle.jobs.JobState;
import dev.spindle.jobs.JobStore;
import dev.spindle.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JobStore} shared by every instance connected to one PostgreSQL schema: table
 * {@code spindle_jobs}, one row a job, its snapshot as JSON beside the columns the queries need.
 *
 * <ul>
 *   <li>Claiming ({@link #claim}) takes the oldest due queued job with {@code SELECT … FOR UPDATE SKIP
 *       LOCKED}, so instances claiming at once never wait for each other nor take the same job, and
 *       leases it: a random token and {@code lease_until}.</li>
 *   <li>Every write by the claimant ({@link #update}) names the token and the version it changes, so
 *       an instance that lost its lease changes nothing.</li>
 *   <li>Every write also runs {@code pg_notify('spindle_jobs.<schema>', '<id> <version>')} in the same
 *       statement: the other instances' {@link #listen} hears it once it commits.</li>
 *   <li>The write that finishes a job with a callback URL also inserts its webhook delivery into
 *       {@code spindle_webhooks} in the same statement, with a new delivery id and the finished job;
 *       deliveries are claimed as jobs are ({@link #claimWebhook}), and their row deleted when they end.</li>
 * </ul>
 *
 * <p><b>Threading:</b> safe for concurrent use; each call borrows a pooled connection for one
 * statement. {@link #listen} holds one more connection, outside the pool, on a thread of its own.
 */
public final class PostgresJobStore implements JobStore {

    private static final Logger log = LoggerFactory.getLogger(PostgresJobStore.class);
    private static final long LISTEN_POLL_MILLIS = 500;
    private static final long RECONNECT_MILLIS = 1_000;

    private static final String NOTIFY = " SELECT pg_notify(?, id || ' ' || version) FROM changed";
    private static final String INSERT = "WITH changed AS (INSERT INTO spindle_jobs "
            + "(id, kind, state, version, created_at, finished_at, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?::json) "
            + "ON CONFLICT (id) DO UPDATE SET state = excluded.state, version = excluded.version, "
            + "finished_at = excluded.finished_at, snapshot = excluded.snapshot RETURNING id, version)" + NOTIFY;
    private static final String CLAIM = "WITH next AS (SELECT id FROM spindle_jobs "
            + "WHERE state = 'QUEUED' AND due <= now() AND (lease_until IS NULL OR lease_until < now()) "
            + "AND kind = ANY(?) ORDER BY due, created_at LIMIT 1 FOR UPDATE SKIP LOCKED) "
            + "UPDATE spindle_jobs j SET attempts = j.attempts + 1, lease_token = ?, "
            + "lease_until = now() + ? * interval '1 millisecond' FROM next WHERE j.id = next.id "
            + "RETURNING j.snapshot, j.attempts";
    private static final String UPDATE_SET = "state = ?, version = ?, finished_at = ?, snapshot = ?::json, "
            + "lease_token = CASE WHEN ? THEN NULL ELSE j.lease_token END, "
            + "lease_until = CASE WHEN ? THEN NULL ELSE j.lease_until END";
    private static final String UPDATE_WHERE = "j.id = ? AND j.lease_token = ? AND j.version = ?";
    private static final String UPDATE = change(UPDATE_SET, UPDATE_WHERE, false);
    private static final String UPDATE_FINISHING = change(UPDATE_SET, UPDATE_WHERE, true);
    private static final String COMPARE_AND_SET_SET = "state = ?, version = ?, finished_at = ?, snapshot = ?::json, "
            + "lease_token = NULL, lease_until = NULL, due = coalesce(?, j.due)";
    private static final String COMPARE_AND_SET_WHERE = "j.id = ? AND j.version = ?";
    private static final String COMPARE_AND_SET = change(COMPARE_AND_SET_SET, COMPARE_AND_SET_WHERE, false);
    private static final String COMPARE_AND_SET_FINISHING = change(COMPARE_AND_SET_SET, COMPARE_AND_SET_WHERE, true);
    private static final String RENEW = "UPDATE spindle_jobs SET lease_until = now() + ? * interval '1 millisecond' "
            + "WHERE lease_token = ANY(?) AND state IN ('QUEUED', 'RUNNING') RETURNING id";
    private static final String LAPSED = "SELECT snapshot, attempts, lease_token FROM spindle_jobs "
            + "WHERE lease_until < now() AND state IN ('QUEUED', 'RUNNING') ORDER BY lease_until LIMIT ?";
    private static final String CLAIM_WEBHOOK = "WITH next AS (SELECT id FROM spindle_webhooks "
            + "WHERE due <= now() AND (lease_until IS NULL OR lease_until < now()) "
            + "ORDER BY due LIMIT 1 FOR UPDATE SKIP LOCKED) "
            + "UPDATE spindle_webhooks w SET attempts = w.attempts + 1, lease_token = ?, "
            + "lease_until = now() + ? * interval '1 millisecond' FROM next WHERE w.id = next.id "
            + "RETURNING w.id, w.job, w.attempts";
    private static final String WEBHOOK_RETRIED = "UPDATE spindle_webhooks SET last_at = ?, last_status = ?, "
            + "last_outcome = ?, last_detail = ?, due = now() + ? * interval '1 millisecond', "
            + "lease_token = NULL, lease_until = NULL WHERE id = ? AND lease_token = ?";
    private static final String WEBHOOK_ENDED = "DELETE FROM spindle_webhooks WHERE id = ? AND lease_token = ?";
    private static final String WEBHOOK_RELEASED = "UPDATE spindle_webhooks SET lease_token = NULL, lease_until = NULL "
            + "WHERE id = ? AND lease_token = ?";
    private static final String WEBHOOKS_WAITING = "SELECT count(*) FROM spindle_webhooks "
            + "WHERE last_outcome IS NOT NULL AND (lease_until IS NULL OR lease_until < now())";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ID_ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final Postgres db;
    private final JsonMapper json = JsonMapper.jackson();
    private final String channel;

    PostgresJobStore(Postgres db) {
        this.db = db;
        this.channel = "spindle_jobs." + db.schema();
    }

    /**
     * A fenced write of a job that notifies; one that may finish a job ({@code queues}) reads the state
     * it changes from, and queues the job's webhook delivery if that was unfinished, in the same
     * statement, so the job and its delivery commit together.
     */
    private static String change(String set, String where, boolean queues) {
        if (!queues) {
            return "WITH changed AS (UPDATE spindle_jobs j SET " + set + " WHERE " + where
                    + " RETURNING j.id, j.version)" + NOTIFY;
        }
        return "WITH old AS (SELECT id, state FROM spindle_jobs WHERE id = ?), changed AS (UPDATE spindle_jobs j SET "
                + set + " FROM old WHERE j.id = old.id AND " + where
                + " RETURNING j.id, j.version, j.snapshot, old.state AS was), "
                + "queued AS (INSERT INTO spindle_webhooks (id, job_id, url, job) SELECT ?, id, ?, snapshot FROM changed "
                + "WHERE was IN ('QUEUED', 'RUNNING'))" + NOTIFY;
    }

    /** The SQL {@link #claim} runs, for {@code EXPLAIN}. */
    public static String claimQuery() {
        return CLAIM;
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public void save(Job job) {
        execute(INSERT, statement -> {
            statement.setString(1, job.id());
            statement.setString(2, job.kind());
            statement.setString(3, job.state().name());
            statement.setLong(4, job.version());
            statement.setObject(5, timestamp(job.createdAt()));
            statement.setObject(6, timestamp(job.finishedAt()));
            statement.setString(7, write(job));
            statement.setString(8, channel);
        });
    }

    @Override
    public Optional<Job> find(String id) {
        return query("SELECT snapshot FROM spindle_jobs WHERE id = ?", statement -> statement.setString(1, id))
                .stream().findFirst();
    }

    @Override
    public List<Job> list(int offset, int limit) {
        return query("SELECT snapshot FROM spindle_jobs ORDER BY created_at DESC, id DESC OFFSET ? LIMIT ?", statement -> {
            statement.setInt(1, offset);
            statement.setInt(2, limit);
        });
    }

    @Override
    public int count() {
        try (Connection connection = db.connection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM spindle_jobs")) {
            rows.next();
            return rows.getInt(1);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void remove(String id) {
        execute("DELETE FROM spindle_jobs WHERE id = ?", statement -> statement.setString(1, id));
    }

    @Override
    public List<Job> finished() {
        return query("SELECT snapshot FROM spindle_jobs WHERE finished_at IS NOT NULL", statement -> { });
    }

    @Override
    public Optional<Claim> claim(Set<String> kinds, Duration lease) {
        if (kinds.isEmpty()) {
            return Optional.empty();
        }
        String token = UUID.randomUUID().toString();
        try (Connection connection = db.connection();
             PreparedStatement statement = connection.prepareStatement(CLAIM)) {
            statement.setArray(1, connection.createArrayOf("text", kinds.toArray()));
            statement.setString(2, token);
            statement.setLong(3, lease.toMillis());
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Claim(read(rows.getString(1)), token, rows.getInt(2)));
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean update(Job next, Claim claim) {
        boolean ends = next.state().isFinished();
        boolean queues = queuesWebhook(next);
        return execute(queues ? UPDATE_FINISHING : UPDATE, statement -> {
            int at = queues ? bindOld(statement, next) : 1;
            at = bindSnapshot(statement, at, next);
            statement.setBoolean(at++, ends);
            statement.setBoolean(at++, ends);
            statement.setString(at++, next.id());
            statement.setString(at++, claim.token());
            statement.setLong(at++, next.version() - 1);
            bindNotify(statement, at, next, queues);
        });
    }

    @Override
    public Set<String> renew(Collection<Claim> claims, Duration lease) {
        Set<String> lost = new HashSet<>();
        for (Claim claim : claims) {
            lost.add(claim.job().id());
        }
        try (Connection connection = db.connection();
             PreparedStatement statement = connection.prepareStatement(RENEW)) {
            statement.setLong(1, lease.toMillis());
            statement.setArray(2, connection.createArrayOf("text", claims.stream().map(Claim::token).toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    lost.remove(rows.getString(1));
                }
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        return lost;
    }

    @Override
    public boolean compareAndSet(Job next, Instant due) {
        boolean queues = queuesWebhook(next);
        return execute(queues ? COMPARE_AND_SET_FINISHING : COMPARE_AND_SET, statement -> {
            int at = queues ? bindOld(statement, next) : 1;
            at = bindSnapshot(statement, at, next);
            statement.setObject(at++, timestamp(due));
            statement.setString(at++, next.id());
            statement.setLong(at++, next.version() - 1);
            bindNotify(statement, at, next, queues);
        });
    }

    /** Whether a write of {@code next} may be the one that finishes a job with a webhook to deliver. */
    private static boolean queuesWebhook(Job next) {
        return next.state().isFinished() && next.state() != JobState.EXPIRED && next.callbackUrl() != null;
    }

    private static int bindOld(PreparedStatement statement, Job next) throws SQLException {
        statement.setString(1, next.id());
        return 2;
    }

    private int bindSnapshot(PreparedStatement statement, int at, Job next) throws SQLException {
        statement.setString(at, next.state().name());
        statement.setLong(at + 1, next.version());
        statement.setObject(at + 2, timestamp(next.finishedAt()));
        statement.setString(at + 3, write(next));
        return at + 4;
    }

    /** The queued delivery's id and URL if the write may queue one, then the notification's channel. */
    private void bindNotify(PreparedStatement statement, int at, Job next, boolean queues) throws SQLException {
        if (queues) {
            statement.setString(at++, deliveryId());
            statement.setString(at++, next.callbackUrl());
        }
        statement.setString(at, channel);
    }

    /** As job ids are: 128 random bits, URL-safe Base64 without padding. */
    private static String deliveryId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return ID_ENCODER.encodeToString(bytes);
    }

    @Override
    public List<Claim> lapsed(int limit) {
        List<Claim> claims = new ArrayList<>();
        try (Connection connection = db.connection();
             PreparedStatement statement = connection.prepareStatement(LAPSED)) {
            statement.setInt(1, limit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    claims.add(new Claim(read(rows.getString(1)), rows.getString(3), rows.getInt(2)));
                }
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        return claims;
    }

    @Override
    public Optional<WebhookClaim> claimWebhook(Duration lease) {
        String token = UUID.randomUUID().toString();
        try (Connection connection = db.connection();
             PreparedStatement statement = connection.prepareStatement(CLAIM_WEBHOOK)) {
            statement.setString(1, token);
            statement.setLong(2, lease.toMillis());
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                return Optional.of(new WebhookClaim(rows.getString(1), read(rows.getString(2)), rows.getInt(3), token));
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean webhookAttempted(WebhookClaim claim, Delivery attempt, Duration retryIn) {
        if (retryIn == null) {
            return execute(WEBHOOK_ENDED, statement -> {
                statement.setString(1, claim.deliveryId());
                statement.setString(2, claim.token());
            });
        }
        return execute(WEBHOOK_RETRIED, statement -> {
            statement.setObject(1, timestamp(attempt.at()));
            statement.setObject(2, attempt.status());
            statement.setString(3, attempt.outcome());
            statement.setString(4, attempt.detail());
            statement.setLong(5, retryIn.toMillis());
            statement.setString(6, claim.deliveryId());
            statement.setString(7, claim.token());
        });
    }

    @Override
    public void releaseWebhook(WebhookClaim claim) {
        execute(WEBHOOK_RELEASED, statement -> {
            statement.setString(1, claim.deliveryId());
            statement.setString(2, claim.token());
        });
    }

    @Override
    public int webhooksWaiting() {
        try (Connection connection = db.connection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(WEBHOOKS_WAITING)) {
            rows.next();
            return rows.getInt(1);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public AutoCloseable listen(BiConsumer<String, Long> changed) {
        Listener listener = new Listener(changed);
        listener.thread.start();
        return listener;
    }

    /** One connection outside the pool that LISTENs, read on a daemon thread, reconnecting when it drops. */
    private final class Listener implements AutoCloseable {
        private final BiConsumer<String, Long> changed;
        private final Thread thread;
        private volatile boolean closed;
        private volatile Connection connection;

        Listener(BiConsumer<String, Long> changed) {
            this.changed = changed;
            this.thread = new Thread(this::run, "spindle-jobs-listen");
            thread.setDaemon(true);
        }

        private void run() {
            while (!closed) {
                try (Connection listening = db.dedicatedConnection()) {
                    connection = listening;
                    try (Statement statement = listening.createStatement()) {
                        statement.execute("LISTEN \"" + channel + "\"");
                    }
                    PGConnection pg = listening.unwrap(PGConnection.class);
                    while (!closed) {
                        PGNotification[] notifications = pg.getNotifications((int) LISTEN_POLL_MILLIS);
                        if (notifications != null) {
                            for (PGNotification notification : notifications) {
                                deliver(notification.getParameter());
                            }
                        }
                    }
                } catch (SQLException e) {
                    if (closed) {
                        return;
                    }
                    log.warn("Listening for job changes failed ({}); reconnecting, and jobs are re-read meanwhile",
                            e.getMessage());
                    try {
                        Thread.sleep(RECONNECT_MILLIS);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }

        private void deliver(String payload) {
            int space = payload.indexOf(' ');
            try {
                changed.accept(payload.substring(0, space), Long.parseLong(payload.substring(space + 1)));
            } catch (RuntimeException e) {
                log.warn("A job change notification failed: {}", payload, e);
            }
        }

        @Override
        public void close() throws Exception {
            closed = true;
            thread.join(LISTEN_POLL_MILLIS * 4);
            Connection open = connection;
            if (open != null && thread.isAlive()) {
                open.close();
            }
        }
    }

    private interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** Runs a statement; whether it changed (or, for a notifying one, returned) a row. */
    private boolean execute(String sql, Binder binder) {
        try (Connection connection = db.connection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            if (statement.execute()) {
                try (ResultSet rows = statement.getResultSet()) {
                    return rows.next();
                }
            }
            return statement.getUpdateCount() > 0;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private List<Job> query(String sql, Binder binder) {
        try (Connection connection = db.connection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            List<Job> jobs = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    jobs.add(read(rows.getString(1)));
                }
            }
            return jobs;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private String write(Job job) {
        return new String(json.write(job), StandardCharsets.UTF_8);
    }

    private Job read(String snapshot) {
        return json.read(snapshot.getBytes(StandardCharsets.UTF_8), Job.class);
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static IllegalStateException failed(SQLException e) {
        return new IllegalStateException("The job store's database failed: " + e.getMessage(), e);
    }
}

package dev.spindle.postgres;

import dev.spindle.jobs.Job;
import dev.spindle.jobs.JobStore;
import dev.spindle.json.JsonMapper;
import java.nio.charset.StandardCharsets;
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
    private static final String UPDATE = "WITH changed AS (UPDATE spindle_jobs SET state = ?, version = ?, "
            + "finished_at = ?, snapshot = ?::json, "
            + "lease_token = CASE WHEN ? THEN NULL ELSE lease_token END, "
            + "lease_until = CASE WHEN ? THEN NULL ELSE lease_until END "
            + "WHERE id = ? AND lease_token = ? AND version = ? RETURNING id, version)" + NOTIFY;
    private static final String COMPARE_AND_SET = "WITH changed AS (UPDATE spindle_jobs SET state = ?, version = ?, "
            + "finished_at = ?, snapshot = ?::json, lease_token = NULL, lease_until = NULL, due = coalesce(?, due) "
            + "WHERE id = ? AND version = ? RETURNING id, version)" + NOTIFY;
    private static final String RENEW = "UPDATE spindle_jobs SET lease_until = now() + ? * interval '1 millisecond' "
            + "WHERE lease_token = ANY(?) AND state IN ('QUEUED', 'RUNNING') RETURNING id";
    private static final String LAPSED = "SELECT snapshot, attempts, lease_token FROM spindle_jobs "
            + "WHERE lease_until < now() AND state IN ('QUEUED', 'RUNNING') ORDER BY lease_until LIMIT ?";

    private final Postgres db;
    private final JsonMapper json = JsonMapper.jackson();
    private final String channel;

    PostgresJobStore(Postgres db) {
        this.db = db;
        this.channel = "spindle_jobs." + db.schema();
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
        return execute(UPDATE, statement -> {
            statement.setString(1, next.state().name());
            statement.setLong(2, next.version());
            statement.setObject(3, timestamp(next.finishedAt()));
            statement.setString(4, write(next));
            statement.setBoolean(5, ends);
            statement.setBoolean(6, ends);
            statement.setString(7, next.id());
            statement.setString(8, claim.token());
            statement.setLong(9, next.version() - 1);
            statement.setString(10, channel);
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
        return execute(COMPARE_AND_SET, statement -> {
            statement.setString(1, next.state().name());
            statement.setLong(2, next.version());
            statement.setObject(3, timestamp(next.finishedAt()));
            statement.setString(4, write(next));
            statement.setObject(5, timestamp(due));
            statement.setString(6, next.id());
            statement.setLong(7, next.version() - 1);
            statement.setString(8, channel);
        });
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

package dev.spindle.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A PostgreSQL database shared by the instances of an app: a bounded connection pool (HikariCP), the
 * schema Spindle's tables live in, and what is built on them: the shared job store
 * ({@link #jobStore()}) and cross-instance locks ({@link #mutex}, {@link #keyedLocks}, {@link #limiter}).
 * <pre>{@code
 * Postgres db = Postgres.connect("jdbc:postgresql://127.0.0.1:5432/app?user=app&password=secret");
 * Jobs jobs = Jobs.install(app, settings -> settings.store(db.jobStore()).kind("report", Req.class, work));
 * app.onStop(db::close);
 * }</pre>
 *
 * <p>Spindle's tables are created at {@link #connect} from versioned SQL files
 * ({@code dev/spindle/postgres/schema-1.sql}, {@code schema-2.sql}, …), each applied once, in order,
 * under an advisory lock so instances starting together apply them once; the version applied is kept
 * in {@code spindle_schema}, so a database made by an older Spindle gets only the newer files.
 *
 * <p><b>Threading:</b> safe for concurrent use. Every call may block on a pooled connection.
 */
public final class Postgres implements AutoCloseable {

    /** The connections an instance opens at most by default: PostgreSQL allows 100 in all, shared by every instance. */
    public static final int DEFAULT_POOL_SIZE = 10;
    private static final int SCHEMA_VERSION = 2;
    private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,40}");

    private final String url;
    private final String schema;
    private final HikariDataSource pool;
    private final Releases releases = new Releases(this);

    private Postgres(String url, String schema, int poolSize) {
        this.url = url;
        this.schema = schema;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setSchema(schema);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(Math.min(2, poolSize));
        config.setPoolName("spindle-postgres-" + schema);
        this.pool = new HikariDataSource(config);
    }

    /**
     * Connects to the database at {@code url} (user and password as URL parameters), keeping Spindle's
     * tables in the schema the URL's {@code currentSchema} parameter names (the driver's own), else
     * {@code public}.
     *
     * @throws IllegalArgumentException for a {@code currentSchema} that is not lower-case letters, digits and {@code _}
     */
    public static Postgres connect(String url) {
        return connect(url, schemaOf(url), DEFAULT_POOL_SIZE);
    }

    /** The URL's {@code currentSchema} parameter, or {@code public}. */
    static String schemaOf(String url) {
        int query = url.indexOf('?');
        if (query >= 0) {
            for (String parameter : url.substring(query + 1).split("&")) {
                if (parameter.startsWith("currentSchema=")) {
                    return URLDecoder.decode(parameter.substring("currentSchema=".length()), StandardCharsets.UTF_8);
                }
            }
        }
        return "public";
    }

    /**
     * Connects to the database at {@code url}, keeping Spindle's tables in {@code schema} (created if
     * missing; instances that share jobs and locks must name the same one), with at most
     * {@code poolSize} pooled connections, plus one that listens for job notifications (once a job
     * store listens) and one that listens for released {@link PostgresLimiter} slots (once a limiter
     * has had to wait for another instance).
     *
     * @throws IllegalArgumentException for a schema name that is not lower-case letters, digits and {@code _}
     * @throws IllegalStateException if the database cannot be reached or its schema is newer than this library
     */
    public static Postgres connect(String url, String schema, int poolSize) {
        Objects.requireNonNull(url, "url");
        if (!SCHEMA_NAME.matcher(schema).matches()) {
            throw new IllegalArgumentException("A schema name is lower-case letters, digits and _, not '" + schema + "'");
        }
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1, not " + poolSize);
        }
        createSchema(url, schema);
        Postgres db = new Postgres(url, schema, poolSize);
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    /** The pooled connections, for the app's own queries too. */
    public DataSource dataSource() {
        return pool;
    }

    /** The schema Spindle's tables live in. */
    public String schema() {
        return schema;
    }

    /** The job store on this database; its notification connection closes with {@link #close()}. */
    public PostgresJobStore jobStore() {
        return new PostgresJobStore(this);
    }

    /**
     * A mutex held across every instance on this database (an advisory lock; see {@link PostgresMutex}),
     * recording the {@code spindle.lock.*} meters in {@code registry} if not {@code null}.
     */
    public PostgresMutex mutex(String name, MeterRegistry registry) {
        return new PostgresMutex(this, name, "spindle.mutex:", registry);
    }

    /**
     * Keyed locks held across every instance on this database, one advisory lock per key (see
     * {@link PostgresKeyedLocks}), recording the {@code spindle.lock.*} meters in {@code registry} if
     * not {@code null}. Instances that share the locks give them the same name.
     */
    public <K> PostgresKeyedLocks<K> keyedLocks(String name, MeterRegistry registry) {
        return new PostgresKeyedLocks<>(this, name, registry);
    }

    /**
     * A limiter admitting {@code permits} callers of all instances on this database at once, as
     * {@code permits} advisory-lock slots (see {@link PostgresLimiter}), recording the
     * {@code spindle.lock.*} meters in {@code registry} if not {@code null}. Every instance must give
     * the same name the same number of permits.
     *
     * @throws IllegalArgumentException if {@code permits < 1}
     */
    public PostgresLimiter limiter(String name, int permits, MeterRegistry registry) {
        return new PostgresLimiter(this, name, permits, registry, PostgresLimiter.RECHECK);
    }

    /**
     * Closes the pool and the connection listening for released limiter slots: locks held through
     * them are released, as the sessions holding them end.
     */
    @Override
    public void close() {
        releases.close();
        pool.close();
    }

    Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /** Closes a pooled connection for good instead of returning it: it may still hold a session lock. */
    void evict(Connection connection) {
        pool.evictConnection(connection);
    }

    /** What this instance hears of limiter slots released on any instance. */
    Releases releases() {
        return releases;
    }

    /** A connection of its own, outside the pool (for LISTEN), with the schema set. */
    Connection dedicatedConnection() throws SQLException {
        Connection connection = DriverManager.getConnection(url, new Properties());
        connection.setSchema(schema);
        return connection;
    }

    private static void createSchema(String url, String schema) {
        try (Connection connection = DriverManager.getConnection(url, new Properties());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot reach PostgreSQL at " + redacted(url) + ": " + e.getMessage(), e);
        }
    }

    private void migrate() {
        try (Connection connection = connection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(hashtext('spindle-schema:' || current_schema()))");
                statement.execute("CREATE TABLE IF NOT EXISTS spindle_schema (version integer NOT NULL)");
                int applied = 0;
                try (ResultSet rows = statement.executeQuery("SELECT coalesce(max(version), 0) FROM spindle_schema")) {
                    if (rows.next()) {
                        applied = rows.getInt(1);
                    }
                }
                if (applied > SCHEMA_VERSION) {
                    throw new IllegalStateException("Schema " + schema + " is at version " + applied
                            + ", newer than this Spindle's " + SCHEMA_VERSION + ": upgrade Spindle");
                }
                for (int version = applied + 1; version <= SCHEMA_VERSION; version++) {
                    statement.execute(script(version));
                    statement.execute("INSERT INTO spindle_schema (version) VALUES (" + version + ")");
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not set up schema " + schema + ": " + e.getMessage(), e);
        }
    }

    private static String script(int version) {
        String name = "schema-" + version + ".sql";
        try (InputStream in = Postgres.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Missing " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Could not read " + name, e);
        }
    }

    /** The URL without its parameters, which may hold a password. */
    static String redacted(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }
}

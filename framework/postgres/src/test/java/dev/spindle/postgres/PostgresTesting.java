package dev.spindle.postgres;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * The real PostgreSQL the tests use: {@code SPINDLE_TEST_DB}, or the database {@code .ci/run} creates
 * ({@code spindle_test}, role {@code spindle}, on 127.0.0.1). Each test class works in a schema of
 * its own, dropped afterwards. Without a reachable server the tests are skipped with a message,
 * unless {@code CI} is set: there they must run.
 */
public final class PostgresTesting implements AutoCloseable {

    static final String URL = System.getenv().getOrDefault("SPINDLE_TEST_DB",
            "jdbc:postgresql://127.0.0.1:5432/spindle_test?user=spindle&password=spindle");

    final String schema;

    private PostgresTesting(String schema) {
        this.schema = schema;
    }

    /** A fresh schema, or the test is skipped (outside CI) when no PostgreSQL answers. */
    public static PostgresTesting fresh(String prefix) {
        try (Connection connection = DriverManager.getConnection(URL, new Properties())) {
            connection.isValid(5);
        } catch (SQLException e) {
            String message = "No PostgreSQL at " + Postgres.redacted(URL) + " (" + e.getMessage()
                    + "): start one as .ci/run does, or point SPINDLE_TEST_DB at one";
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(message + "; CI is set, so these tests must run", e);
            }
            Assumptions.abort(message);
        }
        return new PostgresTesting((prefix + "_" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36))
                .toLowerCase(Locale.ROOT));
    }

    /** An instance's connection to the test schema. */
    public Postgres connect(int poolSize) {
        return Postgres.connect(URL, schema, poolSize);
    }

    /** The test schema's name, for another JVM to {@link #join}. */
    public String schema() {
        return schema;
    }

    /** An instance's connection to a test schema that another JVM made {@linkplain #fresh fresh} and will drop. */
    public static Postgres join(String schema, int poolSize) {
        return Postgres.connect(URL, schema, poolSize);
    }

    /** How many sessions hold ({@code granted}) or wait for the advisory lock of mutex {@code name}. */
    static int mutexLocks(String name, boolean granted) {
        return count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = ? AND objsubid = 1 "
                + "AND (classid::bigint << 32 | objid::bigint) = hashtextextended('spindle.mutex:' || ?, 0) "
                + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", granted, name);
    }

    /**
     * How many sessions hold ({@code granted}) or wait for the two-int advisory lock
     * {@code (namespace, id)}: a key of keyed locks, a limiter's slot, or with {@code id} -1 a
     * limiter's waiting mark.
     */
    static int advisoryLocks(int namespace, int id, boolean granted) {
        return count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = ? AND objsubid = 2 "
                + "AND classid::bigint = ? AND objid::bigint = ? "
                + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                granted, Integer.toUnsignedLong(namespace), Integer.toUnsignedLong(id));
    }

    /** Connections of {@code db}'s pool borrowed now. */
    static int borrowed(Postgres db) {
        return ((HikariDataSource) db.dataSource()).getHikariPoolMXBean().getActiveConnections();
    }

    /** Asked on a connection of its own, so that counting borrows none of the pools'. */
    private static int count(String sql, Object... parameters) {
        try (Connection connection = DriverManager.getConnection(URL, new Properties());
             PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection connection = DriverManager.getConnection(URL, new Properties());
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}

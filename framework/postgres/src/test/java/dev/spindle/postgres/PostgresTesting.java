package dev.spindle.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
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

    @Override
    public void close() throws SQLException {
        try (Connection connection = DriverManager.getConnection(URL, new Properties());
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}

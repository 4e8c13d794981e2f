package dev.spindle.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.jobs.JobState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Where Spindle's tables live: the versioned schema files (a database an older Spindle made gets the
 * newer files only, and a newer one is refused), and the schema a URL names.
 */
class PostgresSchemaTest {

    @Test
    void a_schema_at_version_1_gets_the_webhook_table_of_version_2_and_keeps_its_jobs() throws Exception {
        try (PostgresTesting database = PostgresTesting.fresh("schema")) {
            try (Connection connection = schema(database);
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE spindle_schema (version integer NOT NULL)");
                statement.execute(resource("schema-1.sql"));
                statement.execute("INSERT INTO spindle_schema (version) VALUES (1)");
                statement.execute("INSERT INTO spindle_jobs (id, kind, state, version, created_at, snapshot) VALUES "
                        + "('kept', 'report', 'QUEUED', 1, now(), '{\"id\":\"kept\",\"kind\":\"report\",\"state\":\"QUEUED\","
                        + "\"percent\":0,\"createdAt\":\"2026-01-01T00:00:00Z\",\"deliveries\":[],\"version\":1}')");
            }
            try (Postgres db = database.connect(2)) {
                assertThat(db.jobStore().find("kept").orElseThrow().state()).isEqualTo(JobState.QUEUED);
                assertThat(db.jobStore().webhooksWaiting()).isZero();
                try (Connection connection = db.dataSource().getConnection();
                     Statement statement = connection.createStatement();
                     ResultSet rows = statement.executeQuery("SELECT version FROM spindle_schema ORDER BY version")) {
                    List<Integer> versions = new ArrayList<>();
                    while (rows.next()) {
                        versions.add(rows.getInt(1));
                    }
                    assertThat(versions).containsExactly(1, 2);
                }
            }
        }
    }

    @Test
    void a_schema_newer_than_this_spindle_is_refused() throws Exception {
        try (PostgresTesting database = PostgresTesting.fresh("schema")) {
            try (Connection connection = schema(database);
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE spindle_schema (version integer NOT NULL)");
                statement.execute("INSERT INTO spindle_schema (version) VALUES (99)");
            }
            assertThatThrownBy(() -> database.connect(1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is at version 99, newer than this Spindle's 2");
        }
    }

    @Test
    void a_url_names_its_schema_with_the_drivers_current_schema_parameter() {
        assertThat(Postgres.schemaOf("jdbc:postgresql://127.0.0.1/app?user=app&currentSchema=app_jobs&password=x"))
                .isEqualTo("app_jobs");
        assertThat(Postgres.schemaOf("jdbc:postgresql://127.0.0.1/app?user=app")).isEqualTo("public");
        assertThatThrownBy(() -> Postgres.connect("jdbc:postgresql://127.0.0.1/app?currentSchema=a%3Bdrop"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a;drop'");
    }

    /** A connection to the test's schema, created empty. */
    private static Connection schema(PostgresTesting database) throws SQLException {
        Connection connection = DriverManager.getConnection(PostgresTesting.URL, new Properties());
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + database.schema);
        }
        connection.setSchema(database.schema);
        return connection;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Postgres.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

package dev.spindle.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.spindle.Spindle;
import dev.spindle.json.JsonMapper;
import dev.spindle.testing.SpindleTest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.PropertyNamingStrategies;

/** How a handler's returned value becomes the response. */
class RenderingTest {

    record Event(String name, LocalDate day, Instant at, Duration length, Optional<String> note, Optional<String> room) {
    }

    @Test
    void string_is_plain_text_and_html_when_it_starts_with_a_tag() throws Exception {
        var app = Spindle.create();
        app.get("/text", ctx -> "héllo <b>")
                .get("/html", ctx -> "<p>hi</p>");
        SpindleTest.test(app, client -> {
            client.spec().get("/text").then().statusCode(200).contentType("text/plain; charset=UTF-8")
                    .body(equalTo("héllo <b>"));
            client.spec().get("/html").then().statusCode(200).contentType("text/html; charset=UTF-8")
                    .body(equalTo("<p>hi</p>"));
        });
    }

    @Test
    void bytes_and_streams_are_octet_streams() throws Exception {
        var app = Spindle.create();
        app.get("/bytes", ctx -> new byte[] {1, 2, 3})
                .get("/stream", ctx -> new ByteArrayInputStream("streamed".getBytes(StandardCharsets.UTF_8)));
        SpindleTest.test(app, client -> {
            var bytes = client.spec().get("/bytes");
            bytes.then().statusCode(200).contentType("application/octet-stream").header("Content-Length", "3");
            assertThat(bytes.asByteArray()).containsExactly(1, 2, 3);
            client.spec().get("/stream").then().statusCode(200).contentType("application/octet-stream")
                    .body(equalTo("streamed"));
        });
    }

    @Test
    void null_keeps_what_the_handler_wrote() throws Exception {
        var app = Spindle.create();
        app.get("/written", ctx -> {
            ctx.status(201).contentType("text/csv").responseBody("a,b\n".getBytes(StandardCharsets.UTF_8));
            return null;
        }).delete("/gone", ctx -> {
            ctx.status(204);
            return null;
        }).get("/nothing", ctx -> null);
        SpindleTest.test(app, client -> {
            client.spec().get("/written").then().statusCode(201).contentType("text/csv").body(equalTo("a,b\n"));
            client.spec().delete("/gone").then().statusCode(204).body(emptyString());
            client.spec().get("/nothing").then().statusCode(200).header("Content-Length", "0").body(emptyString());
        });
    }

    @Test
    void objects_records_java_time_and_optional_are_json() throws Exception {
        var event = new Event("launch", LocalDate.of(2026, 11, 27), Instant.parse("2026-11-27T03:00:00Z"),
                Duration.ofMinutes(90), Optional.of("bring cake"), Optional.empty());
        var app = Spindle.create();
        app.get("/event", ctx -> event)
                .get("/map", ctx -> Map.of("ok", true))
                .get("/list", ctx -> List.of(1, 2, 3));
        SpindleTest.test(app, client -> {
            client.spec().get("/event").then().statusCode(200).contentType("application/json")
                    .body("name", equalTo("launch"))
                    .body("day", equalTo("2026-11-27"))
                    .body("at", equalTo("2026-11-27T03:00:00Z"))
                    .body("length", equalTo("PT1H30M"))
                    .body("note", equalTo("bring cake"))
                    .body("room", nullValue());
            client.spec().get("/map").then().body("ok", equalTo(true));
            client.spec().get("/list").then().body(equalTo("[1,2,3]"));
        });
    }

    @Test
    void a_json_body_reads_back_into_a_record() throws Exception {
        var app = Spindle.create();
        app.post("/events", ctx -> ctx.bodyAs(Event.class));
        SpindleTest.test(app, client -> client.spec().contentType("application/json")
                .body("{\"name\":\"x\",\"day\":\"2026-01-02\",\"at\":\"2026-01-02T10:00:00Z\",\"length\":\"PT5M\",\"note\":\"n\"}")
                .post("/events").then().statusCode(200)
                .body("day", equalTo("2026-01-02")).body("length", equalTo("PT5M"))
                .body("note", equalTo("n")).body("room", nullValue()));
    }

    @Test
    void the_app_json_mapper_is_configurable() throws Exception {
        var mapper = tools.jackson.databind.json.JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        record Person(String firstName) {
        }
        var app = Spindle.create(config -> config.json(JsonMapper.jackson(mapper)));
        app.get("/person", ctx -> new Person("Ada"));
        SpindleTest.test(app, client -> client.spec().get("/person").then().body("first_name", equalTo("Ada")));
    }
}

package dev.spindle.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.spindle.Spindle;
import dev.spindle.testing.Logs;
import dev.spindle.testing.SpindleTest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every error is a problem body; nothing internal reaches the client. */
class ErrorsTest {

    record Order(String item, int quantity, List<Line> lines) {
    }

    record Line(String sku, int count) {
    }

    private static Spindle appWithOrders() {
        var app = Spindle.create();
        app.post("/orders", ctx -> ctx.bodyAs(Order.class));
        return app;
    }

    @Test
    void problem_body_has_type_title_status_detail_and_request_id() throws Exception {
        var app = Spindle.create();
        app.get("/teapot", ctx -> {
            throw new HttpException(409, "The name 'ada' is taken");
        });
        SpindleTest.test(app, client -> {
            var response = client.spec().header("X-Request-Id", "req-42").get("/teapot");
            response.then().statusCode(409).contentType("application/problem+json")
                    .header("X-Request-Id", "req-42")
                    .body("type", equalTo("about:blank"))
                    .body("title", equalTo("Conflict"))
                    .body("status", equalTo(409))
                    .body("detail", equalTo("The name 'ada' is taken"))
                    .body("requestId", equalTo("req-42"));
            assertThat(response.jsonPath().getMap("$")).containsOnlyKeys("type", "title", "status", "detail", "requestId");
        });
    }

    @Test
    void html_error_page_when_the_client_prefers_html() throws Exception {
        var app = Spindle.create();
        app.get("/x", ctx -> "x");
        SpindleTest.test(app, client -> {
            client.spec().header("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                    .header("X-Request-Id", "html-1").get("/missing<script>").then()
                    .statusCode(404).contentType("text/html; charset=UTF-8")
                    .body(allOf(containsString("404 Not Found"), containsString("html-1"),
                            containsString("&lt;script&gt;"), not(containsString("<script>"))));
            client.spec().header("Accept", "text/html;q=0.5, application/json").get("/missing").then()
                    .statusCode(404).contentType("application/problem+json");
            client.spec().header("Accept", "application/json, text/html").get("/missing").then()
                    .statusCode(404).contentType("application/problem+json");
            client.spec().header("Accept", "*/*").get("/missing").then()
                    .statusCode(404).contentType("application/problem+json");
        });
    }

    @Test
    void malformed_json_is_400_naming_the_position() throws Exception {
        SpindleTest.test(appWithOrders(), client -> client.spec().contentType("application/json")
                .body("{\"item\": \"tea\",\n \"quantity\": }").post("/orders").then()
                .statusCode(400).contentType("application/problem+json")
                .body("title", equalTo("Bad Request"))
                .body("detail", allOf(containsString("line 2"), containsString("column"),
                        not(containsString("jackson")), not(containsString("Exception")))));
    }

    @Test
    void a_field_of_the_wrong_type_is_400_naming_the_field() throws Exception {
        SpindleTest.test(appWithOrders(), client -> {
            client.spec().contentType("application/json").body("{\"item\":\"tea\",\"quantity\":\"lots\"}")
                    .post("/orders").then().statusCode(400)
                    .body("detail", allOf(containsString("'quantity'"), not(containsString("dev.spindle")),
                            not(containsString("java.lang")), not(containsString("Exception"))));
            client.spec().contentType("application/json")
                    .body("{\"item\":\"tea\",\"quantity\":1,\"lines\":[{\"sku\":\"a\",\"count\":1},{\"sku\":\"b\",\"count\":[]}]}")
                    .post("/orders").then().statusCode(400)
                    .body("detail", containsString("'lines[1].count'"));
        });
    }

    @Test
    void a_body_of_the_wrong_shape_is_400_without_java_type_names() throws Exception {
        SpindleTest.test(appWithOrders(), client -> client.spec().contentType("application/json").body("[1, 2]")
                .post("/orders").then().statusCode(400)
                .body("detail", allOf(containsString("Order"), not(containsString("$")), not(containsString("ErrorsTest")),
                        not(containsString("dev.spindle")), not(containsString("`")))));
    }

    @Test
    void empty_and_trailing_garbage_json_bodies_are_400() throws Exception {
        SpindleTest.test(appWithOrders(), client -> {
            client.spec().contentType("application/json").post("/orders").then().statusCode(400)
                    .body("detail", containsString("empty"));
            client.spec().contentType("application/json").body("{\"item\":\"tea\",\"quantity\":1} {}")
                    .post("/orders").then().statusCode(400);
        });
    }

    @Test
    void unknown_route_is_404_and_wrong_method_is_405_with_allow() throws Exception {
        var app = Spindle.create();
        app.put("/doc", ctx -> "saved");
        SpindleTest.test(app, client -> {
            client.spec().get("/nothing/here").then().statusCode(404).contentType("application/problem+json")
                    .body("detail", containsString("/nothing/here"));
            client.spec().get("/doc").then().statusCode(405).header("Allow", "OPTIONS, PUT")
                    .contentType("application/problem+json").body("status", equalTo(405));
        });
    }

    @Test
    void unsupported_media_type_is_415() throws Exception {
        SpindleTest.test(appWithOrders(), client -> client.spec().contentType("application/xml")
                .body("<order/>").post("/orders").then().statusCode(415)
                .contentType("application/problem+json").body("title", equalTo("Unsupported Media Type"))
                .body("detail", containsString("application/xml")));
    }

    @Test
    void unexpected_exception_is_500_without_internals_and_logged_once_with_the_request_id() throws Exception {
        String requestId = "boom-" + UUID.randomUUID();
        var app = Spindle.create();
        app.get("/boom", ctx -> {
            throw new IllegalStateException("secret database password is hunter2");
        });
        var logs = Logs.mark();
        SpindleTest.test(app, client -> client.spec().header("X-Request-Id", requestId).get("/boom").then()
                .statusCode(500).contentType("application/problem+json")
                .body("title", equalTo("Internal Server Error"))
                .body("requestId", equalTo(requestId))
                .body(allOf(not(containsString("hunter2")), not(containsString("IllegalStateException")),
                        not(containsString("java.")), not(containsString("\tat ")), not(containsString("dev.spindle")))));
        List<String> lines = logs.linesContaining(requestId);
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst()).contains("ERROR").contains("/boom");
        assertThat(logs.textAfterMark()).contains("IllegalStateException: secret database password is hunter2");
    }

    @Test
    void http_exceptions_are_not_logged_as_errors() throws Exception {
        String requestId = "quiet-" + UUID.randomUUID();
        var app = Spindle.create();
        app.get("/gone", ctx -> {
            throw new HttpException(410, "Gone for good");
        });
        var logs = Logs.mark();
        SpindleTest.test(app, client -> client.spec().header("X-Request-Id", requestId).get("/gone").then()
                .statusCode(410).body("detail", equalTo("Gone for good")));
        assertThat(logs.linesContaining(requestId)).isEmpty();
    }
}

package dev.spindle.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import dev.spindle.testing.SpindleTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What Spindle adds to, or refuses in, a request and its response so a browser or a cross-site form cannot be tricked. */
class ResponseSafetyTest {

    record Order(String item) {
    }

    @Test
    void every_body_spindle_types_says_nosniff() throws Exception {
        Spindle app = Spindle.create();
        app.get("/html", ctx -> "<p>hello</p>");
        app.get("/text", ctx -> "hello");
        app.get("/json", ctx -> Map.of("a", 1));
        app.get("/bytes", ctx -> new byte[] {1, 2});
        SpindleTest.test(app, client -> {
            for (String path : new String[] {"/html", "/text", "/json", "/bytes", "/missing"}) {
                client.spec().get(path).then().header("X-Content-Type-Options", "nosniff");
            }
        });
    }

    @Test
    void a_json_body_without_content_type_is_415_as_in_flask() throws Exception {
        Spindle app = Spindle.create();
        app.post("/orders", ctx -> ctx.bodyAs(Order.class).item());
        SpindleTest.test(app, client -> {
            try (RawHttp http = RawHttp.connect(client.port())) {
                String body = "{\"item\":\"tea\"}";
                http.send("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                RawHttp.Response refused = http.read();
                assertThat(refused.status()).isEqualTo(415);
                assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
                assertThat(refused.text()).contains("no Content-Type");
            }
            client.spec().contentType("application/json").body("{\"item\":\"tea\"}").post("/orders").then()
                    .statusCode(200).body(containsString("tea"));
        });
    }

    @Test
    void a_header_value_with_a_line_break_is_refused_and_nothing_is_injected() throws Exception {
        Spindle app = Spindle.create();
        app.get("/split", ctx -> {
            ctx.header("X-Name", ctx.queryParam("name"));
            return "ok";
        });
        SpindleTest.test(app, client -> {
            try (RawHttp http = RawHttp.connect(client.port())) {
                RawHttp.Response response = http.get("/split?name=a%0d%0aSet-Cookie:%20session=stolen");
                assertThat(response.status()).isEqualTo(500);
                assertThat(response.header("Set-Cookie")).isNull();
                assertThat(response.header("X-Name")).isNull();
            }
        });
    }
}

package dev.spindle.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request and response facade, each feature over real HTTP. */
class ContextTest {

    record User(String name, int age) {
    }

    static final AttributeKey<User> USER = AttributeKey.of("user", User.class);

    @Test
    void method_path_template_and_typed_path_params() throws Exception {
        var app = Spindle.create();
        app.get("/users/{id:int}/files/{rest:path}", ctx -> Map.of(
                "method", ctx.method(),
                "path", ctx.path(),
                "template", ctx.routeTemplate(),
                "id", ctx.pathParam("id", Integer.class),
                "rest", ctx.pathParam("rest"),
                "all", ctx.pathParams()));
        SpindleTest.test(app, client -> client.spec().get("/users/7/files/a/b.txt").then().statusCode(200)
                .body("method", equalTo("GET"))
                .body("path", equalTo("/users/7/files/a/b.txt"))
                .body("template", equalTo("/users/{id:int}/files/{rest:path}"))
                .body("id", equalTo(7))
                .body("rest", equalTo("a/b.txt"))
                .body("all.id", equalTo(7)));
    }

    @Test
    void query_params_single_all_and_typed_with_defaults() throws Exception {
        var app = Spindle.create();
        app.get("/search", ctx -> {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("q", ctx.queryParam("q"));
            result.put("missing", ctx.queryParam("missing", "fallback"));
            result.put("tags", ctx.queryParams("tag"));
            result.put("page", ctx.queryParamAsInt("page", 1));
            result.put("size", ctx.queryParamAsInt("size", 20));
            result.put("ratio", ctx.queryParamAsDouble("ratio", 0.5));
            result.put("raw", ctx.queryString());
            return result;
        });
        SpindleTest.test(app, client -> client.spec().urlEncodingEnabled(false)
                .get("/search?q=caf%C3%A9+au+lait&tag=a&tag=b&page=3&ratio=0.25").then().statusCode(200)
                .body("q", equalTo("café au lait"))
                .body("missing", equalTo("fallback"))
                .body("tags", equalTo(List.of("a", "b")))
                .body("page", equalTo(3))
                .body("size", equalTo(20))
                .body("ratio", equalTo(0.25f))
                .body("raw", equalTo("q=caf%C3%A9+au+lait&tag=a&tag=b&page=3&ratio=0.25")));
    }

    @Test
    void a_query_param_that_is_not_a_number_is_400_naming_it() throws Exception {
        var app = Spindle.create();
        app.get("/page", ctx -> ctx.queryParamAsInt("page", 1));
        app.get("/ratio", ctx -> ctx.queryParamAsDouble("ratio", 1));
        SpindleTest.test(app, client -> {
            client.spec().get("/page?page=two").then().statusCode(400)
                    .contentType("application/problem+json").body("detail", matchesPattern(".*'page'.*'two'.*"));
            client.spec().get("/page?page=9999999999").then().statusCode(400)
                    .body("detail", matchesPattern(".*'page'.*"));
            client.spec().get("/ratio?ratio=lots").then().statusCode(400)
                    .body("detail", matchesPattern(".*'ratio'.*"));
        });
    }

    @Test
    void path_params_query_params_and_cookies_are_read_only() throws Exception {
        var app = Spindle.create();
        app.get("/users/{id}", ctx -> {
            for (Map<String, ?> view : List.of(ctx.pathParams(), ctx.queryParamMap(), ctx.cookies())) {
                assertThatThrownBy(view::clear).isInstanceOf(UnsupportedOperationException.class);
            }
            return ctx.pathParam("id") + "," + ctx.queryParam("q") + "," + ctx.cookie("c");
        });
        SpindleTest.test(app, client -> client.spec().cookie("c", "3").get("/users/1?q=2").then().statusCode(200)
                .body(equalTo("1,2,3")));
    }

    @Test
    void request_headers_and_response_headers() throws Exception {
        var app = Spindle.create();
        app.get("/headers", ctx -> {
            ctx.header("X-Single", "one").addHeader("X-Multi", "a").addHeader("X-Multi", "b");
            return ctx.header("x-custom") + "|" + ctx.headers("X-Repeated") + "|" + ctx.headerNames().contains("X-Custom");
        });
        SpindleTest.test(app, client -> {
            var response = client.spec().header("X-Custom", "hello").header("X-Repeated", "1").header("X-Repeated", "2")
                    .get("/headers");
            response.then().statusCode(200).body(equalTo("hello|[1, 2]|true")).header("X-Single", "one");
            assertThat(response.headers().getValues("X-Multi")).containsExactly("a", "b");
        });
    }

    @Test
    void setting_a_header_replaces_every_value_in_any_case_and_adding_keeps_them_in_order() throws Exception {
        var app = Spindle.create();
        app.get("/replace", ctx -> {
            ctx.addHeader("X-Tag", "a").addHeader("x-tag", "b").header("X-TAG", "c").addHeader("X-Tag", "d");
            ctx.contentType("text/csv").header("content-type", "text/plain");
            return ctx.responseHeader("x-tag") + "|" + ctx.responseHeader("CONTENT-TYPE") + "|" + ctx.responseHeader("X-None");
        });
        app.get("/types", ctx -> {
            ctx.addHeader("Content-Type", "text/plain").addHeader("Content-Type", "text/csv");
            return ctx.header("X-First-Type", ctx.responseHeader("Content-Type")).responseBody("x".getBytes(StandardCharsets.UTF_8));
        });
        SpindleTest.test(app, client -> {
            try (var http = client.raw()) {
                var replaced = http.get("/replace");
                assertThat(replaced.text()).isEqualTo("c|text/plain|null");
                assertThat(replaced.headers().get("x-tag")).containsExactly("c", "d");
                assertThat(replaced.headers().get("content-type")).containsExactly("text/plain; charset=UTF-8");
                var types = http.get("/types");
                assertThat(types.text()).isEqualTo("x");
                assertThat(types.header("X-First-Type")).isEqualTo("text/plain");
                assertThat(types.headers().get("content-type")).containsExactly("text/plain", "text/csv");
            }
        });
    }

    @Test
    void a_header_value_with_a_line_break_is_refused_not_sent() throws Exception {
        var app = Spindle.create();
        app.get("/go", ctx -> ctx.redirect(ctx.queryParam("to")));
        SpindleTest.test(app, client -> {
            try (var http = client.raw()) {
                var response = http.get("/go?to=/home%0D%0ASet-Cookie:%20admin=1");
                assertThat(response.status()).isEqualTo(500);
                assertThat(response.headers()).doesNotContainKey("Set-Cookie").doesNotContainKey("Location");
                assertThat(http.get("/go?to=/home").header("Location")).isEqualTo("/home");
            }
        });
    }

    @Test
    void cookies_are_read_and_set_with_attributes() throws Exception {
        var app = Spindle.create();
        app.get("/cookies", ctx -> {
            ctx.cookie(Cookie.of("session", "s3cr3t").httpOnly(true).secure(true).sameSite("Strict")
                    .maxAge(Duration.ofHours(1)).path("/app"));
            ctx.removeCookie("old");
            return ctx.cookie("theme") + "," + ctx.cookies().get("lang");
        });
        SpindleTest.test(app, client -> {
            var response = client.spec().cookie("theme", "dark").cookie("lang", "ko").get("/cookies");
            response.then().statusCode(200).body(equalTo("dark,ko"));
            List<String> setCookies = response.headers().getValues("Set-Cookie");
            String session = setCookies.stream().filter(c -> c.startsWith("session=")).findFirst().orElseThrow();
            assertThat(session).startsWith("session=s3cr3t").containsIgnoringCase("HttpOnly").containsIgnoringCase("Secure")
                    .contains("SameSite=Strict").contains("Max-Age=3600").contains("Path=/app");
            String old = setCookies.stream().filter(c -> c.startsWith("old=")).findFirst().orElseThrow();
            assertThat(old).satisfiesAnyOf(cookie -> assertThat(cookie).contains("Max-Age=0"),
                    cookie -> assertThat(cookie).contains("Expires=Thu, 01-Jan-1970"));
        });
    }

    @Test
    void a_cookie_that_would_inject_attributes_is_refused() throws Exception {
        var app = Spindle.create();
        app.get("/remember", ctx -> ctx.cookie(Cookie.of("name", ctx.queryParam("name"))));
        SpindleTest.test(app, client -> {
            var injected = client.spec().queryParam("name", "x; Domain=evil.example").get("/remember");
            assertThat(injected.statusCode()).isEqualTo(500);
            assertThat(injected.headers().hasHeaderWithName("Set-Cookie")).isFalse();
            client.spec().queryParam("name", "ada").get("/remember").then().statusCode(200)
                    .header("Set-Cookie", org.hamcrest.Matchers.startsWith("name=ada"));
        });
        // Refused where it is made, with a message, not only when Undertow writes the header.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cookie.of("name", "x; Domain=evil.example"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("';'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cookie.of("bad name", "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void urlencoded_form_fields() throws Exception {
        var app = Spindle.create();
        app.post("/form", ctx -> ctx.formParam("name") + "|" + ctx.formParams("pet") + "|" + ctx.formParam("none"));
        SpindleTest.test(app, client -> client.spec().formParam("name", "Ada Lovelace").formParam("pet", "cat", "dog")
                .post("/form").then().statusCode(200).body(equalTo("Ada Lovelace|[cat, dog]|null")));
    }

    @Test
    void multipart_fields_and_file_upload() throws Exception {
        var app = Spindle.create();
        app.post("/upload", ctx -> {
            UploadedFile file = ctx.uploadedFile("doc");
            return Map.of("title", ctx.formParam("title"),
                    "filename", file.filename(),
                    "type", file.contentType(),
                    "size", file.size(),
                    "content", new String(file.content(), StandardCharsets.UTF_8),
                    "files", ctx.uploadedFiles("doc").size());
        });
        SpindleTest.test(app, client -> client.spec()
                .multiPart("title", "Report")
                .multiPart("doc", "report.txt", "line one\nline two".getBytes(StandardCharsets.UTF_8), "text/plain")
                .post("/upload").then().statusCode(200)
                .body("title", equalTo("Report"))
                .body("filename", equalTo("report.txt"))
                .body("type", equalTo("text/plain"))
                .body("size", equalTo(17))
                .body("content", equalTo("line one\nline two"))
                .body("files", equalTo(1)));
    }

    @Test
    void a_multipart_body_without_boundary_is_400() throws Exception {
        var app = Spindle.create();
        app.post("/upload", ctx -> String.valueOf(ctx.formParam("title")));
        SpindleTest.test(app, client -> client.spec().contentType("multipart/form-data").body("junk".getBytes(StandardCharsets.UTF_8))
                .post("/upload").then().statusCode(400).contentType("application/problem+json"));
    }

    @Test
    void raw_body_as_bytes_string_and_stream() throws Exception {
        var app = Spindle.create();
        app.post("/bytes", ctx -> ctx.bodyBytes().length)
                .post("/string", ctx -> ctx.body().toUpperCase())
                .post("/stream", ctx -> {
                    try (InputStream in = ctx.bodyStream()) {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8).length();
                    }
                });
        SpindleTest.test(app, client -> {
            client.spec().body(new byte[] {0, 1, 2, 3, 4}).post("/bytes").then().body(equalTo("5"));
            client.spec().contentType("text/plain; charset=UTF-8").body("héllo").post("/string").then().body(equalTo("HÉLLO"));
            client.spec().body("12345678").post("/stream").then().body(equalTo("8"));
        });
    }

    @Test
    void body_as_reads_json_and_refuses_other_media_types_with_415() throws Exception {
        var app = Spindle.create();
        app.post("/users", ctx -> {
            User user = ctx.bodyAs(User.class);
            return ctx.status(201).json(new User(user.name().toUpperCase(), user.age() + 1));
        });
        SpindleTest.test(app, client -> {
            client.spec().contentType("application/json").body("{\"name\":\"ada\",\"age\":36}").post("/users").then()
                    .statusCode(201).body("name", equalTo("ADA")).body("age", equalTo(37));
            client.spec().contentType("application/vnd.api+json").body("{\"name\":\"ada\",\"age\":36}").post("/users")
                    .then().statusCode(201);
            client.spec().contentType("text/plain").body("{\"name\":\"ada\",\"age\":36}").post("/users").then()
                    .statusCode(415).contentType("application/problem+json").body("status", equalTo(415));
        });
    }

    @Test
    void redirect_sets_status_and_location() throws Exception {
        var app = Spindle.create();
        app.get("/old", ctx -> ctx.redirect("/new"))
                .post("/moved", ctx -> ctx.redirect("/elsewhere", 308));
        SpindleTest.test(app, client -> {
            client.spec().redirects().follow(false).get("/old").then().statusCode(302).header("Location", "/new");
            client.spec().redirects().follow(false).post("/moved").then().statusCode(308).header("Location", "/elsewhere");
        });
    }

    @Test
    void attributes_carry_typed_values_from_hooks_to_handlers() throws Exception {
        var app = Spindle.create();
        var other = AttributeKey.of("user", User.class);
        app.before(ctx -> {
            ctx.attribute(USER, new User(ctx.header("X-User"), 30));
            return null;
        });
        app.get("/me", ctx -> ctx.attribute(USER).name() + " " + ctx.attribute(other));
        SpindleTest.test(app, client -> client.spec().header("X-User", "ada").get("/me").then()
                .body(equalTo("ada null")));
    }

    @Test
    void a_valid_incoming_request_id_is_echoed_and_an_invalid_one_replaced() throws Exception {
        var app = Spindle.create();
        app.get("/id", ctx -> ctx.requestId());
        SpindleTest.test(app, client -> {
            client.spec().header("X-Request-Id", "abc-123.DEF_4").get("/id").then()
                    .header("X-Request-Id", "abc-123.DEF_4").body(equalTo("abc-123.DEF_4"));
            var invalid = client.spec().header("X-Request-Id", "<script>").get("/id");
            assertThat(invalid.header("X-Request-Id")).matches("[0-9a-f]{16}").isEqualTo(invalid.asString());
            var tooLong = client.spec().header("X-Request-Id", "a".repeat(65)).get("/id");
            assertThat(tooLong.header("X-Request-Id")).matches("[0-9a-f]{16}");
            var none = client.spec().get("/id");
            assertThat(none.header("X-Request-Id")).matches("[0-9a-f]{16}").isEqualTo(none.asString());
        });
    }
}

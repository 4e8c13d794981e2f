package dev.spindle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;

import dev.spindle.testing.SpindleTest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RoutingTest {

    @Test
    void returned_string_is_the_body() throws Exception {
        var app = Spindle.create();
        app.get("/hello/{name}", ctx -> "Hello " + ctx.pathParam("name"));
        SpindleTest.test(app, client -> client.spec().get("/hello/ada").then()
                .statusCode(200)
                .contentType("text/plain; charset=UTF-8")
                .body(equalTo("Hello ada")));
    }

    @Test
    void unmatched_route_answers_404_problem() throws Exception {
        var app = Spindle.create();
        app.get("/x", ctx -> "x");
        SpindleTest.test(app, client -> {
            var response = client.spec().get("/nope");
            response.then().statusCode(404).contentType("application/problem+json")
                    .body("status", equalTo(404)).body("title", equalTo("Not Found"));
            assertThat(response.header("X-Request-Id")).isNotBlank();
        });
    }

    @Test
    void every_verb_reaches_its_own_handler() throws Exception {
        var app = Spindle.create();
        app.get("/thing", ctx -> "get")
                .post("/thing", ctx -> "post")
                .put("/thing", ctx -> "put")
                .patch("/thing", ctx -> "patch")
                .delete("/thing", ctx -> "delete")
                .route("PROPFIND", "/thing", ctx -> "propfind")
                .options("/custom", ctx -> ctx.status(200).header("Allow", "OPTIONS, TRACE"))
                .head("/only-head", ctx -> ctx.header("X-Head", "yes"));
        SpindleTest.test(app, client -> {
            for (String verb : new String[] {"GET", "POST", "PUT", "PATCH", "DELETE", "PROPFIND"}) {
                client.spec().request(verb, "/thing").then().statusCode(200).body(equalTo(verb.toLowerCase()));
            }
            client.spec().options("/custom").then().statusCode(200).header("Allow", "OPTIONS, TRACE");
            client.spec().head("/only-head").then().statusCode(200).header("X-Head", "yes");
        });
    }

    @Test
    void head_answers_for_a_get_route_with_headers_and_no_body() throws Exception {
        var app = Spindle.create();
        app.get("/page", ctx -> {
            ctx.header("X-Method-Seen", ctx.method());
            return "twelve bytes";
        });
        SpindleTest.test(app, client -> {
            try (var http = client.raw()) {
                http.send("HEAD /page HTTP/1.1\r\nHost: x\r\n\r\n");
                var head = http.readHead();
                assertThat(head.status()).isEqualTo(200);
                assertThat(head.header("Content-Length")).isEqualTo("12");
                assertThat(head.header("Content-Type")).isEqualTo("text/plain; charset=UTF-8");
                assertThat(head.header("X-Method-Seen")).isEqualTo("HEAD");
                // No body bytes followed: the next response on the connection starts right away.
                var next = http.get("/page");
                assertThat(next.status()).isEqualTo(200);
                assertThat(next.text()).isEqualTo("twelve bytes");
            }
        });
    }

    @Test
    void options_answers_with_the_allowed_methods() throws Exception {
        var app = Spindle.create();
        app.get("/items", ctx -> "list").post("/items", ctx -> "add");
        SpindleTest.test(app, client -> client.spec().options("/items").then()
                .statusCode(204)
                .header("Allow", "GET, HEAD, OPTIONS, POST")
                .body(emptyString()));
    }

    @Test
    void wrong_method_answers_405_with_allow() throws Exception {
        var app = Spindle.create();
        app.get("/items", ctx -> "list").post("/items", ctx -> "add");
        SpindleTest.test(app, client -> client.spec().delete("/items").then()
                .statusCode(405)
                .header("Allow", "GET, HEAD, OPTIONS, POST")
                .contentType("application/problem+json")
                .body("status", equalTo(405))
                .body("title", equalTo("Method Not Allowed")));
    }

    @Test
    void converters_hand_typed_values_to_the_handler() throws Exception {
        var id = UUID.randomUUID();
        var app = Spindle.create();
        app.get("/name/{name}", ctx -> ctx.pathParam("name", String.class))
                .get("/int/{id:int}", ctx -> ctx.pathParam("id", Integer.class) + 1)
                .get("/primitive/{id:int}", ctx -> ctx.pathParam("id", int.class) * 2)
                .get("/float/{x:float}", ctx -> ctx.pathParam("x", Double.class) * 2)
                .get("/uuid/{u:uuid}", ctx -> ctx.pathParam("u", UUID.class).toString())
                .get("/files/{rest:path}", ctx -> ctx.pathParam("rest"));
        SpindleTest.test(app, client -> {
            client.spec().get("/name/ada").then().statusCode(200).body(equalTo("ada"));
            client.spec().get("/int/41").then().statusCode(200).body(equalTo("42"));
            client.spec().get("/primitive/21").then().statusCode(200).body(equalTo("42"));
            client.spec().get("/float/1.25").then().statusCode(200).body(equalTo("2.5"));
            client.spec().get("/uuid/" + id).then().statusCode(200).body(equalTo(id.toString()));
            client.spec().get("/files/a/b/c.txt").then().statusCode(200).body(equalTo("a/b/c.txt"));
            client.spec().get("/name/a b").then().statusCode(200).body(equalTo("a b"));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"/int/abc", "/int/1.5", "/int/-1", "/int/99999999999", "/float/3", "/float/x.5",
            "/uuid/not-a-uuid", "/uuid/123e4567-e89b-12d3-a456-42661417400", "/files/", "/name/",
            "/name/..", "/name/%2e%2e", "/name/.", "/files/a/../../etc/passwd", "/files/..", "/files/a/./b"})
    void a_value_that_does_not_convert_is_404(String path) throws Exception {
        var app = Spindle.create();
        app.get("/name/{name}", ctx -> "name")
                .get("/int/{id:int}", ctx -> "int")
                .get("/float/{x:float}", ctx -> "float")
                .get("/uuid/{u:uuid}", ctx -> "uuid")
                .get("/files/{rest:path}", ctx -> "path");
        SpindleTest.test(app, client -> {
            try (var http = client.raw()) {
                var response = http.get(path);
                assertThat(response.status()).isEqualTo(404);
                assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            }
        });
    }

    @Test
    void an_encoded_slash_stays_inside_its_segment() throws Exception {
        var app = Spindle.create();
        app.get("/name/{name}", ctx -> ctx.pathParam("name"));
        SpindleTest.test(app, client -> {
            try (var http = client.raw()) {
                var response = http.get("/name/a%2Fb");
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.text()).isEqualTo("a%2Fb");
            }
        });
    }

    @Test
    void static_segment_beats_parameter_and_int_beats_string() throws Exception {
        var app = Spindle.create();
        app.get("/users/{name}", ctx -> "by name " + ctx.pathParam("name"))
                .get("/users/me", ctx -> "me")
                .get("/users/{id:int}", ctx -> "by id " + ctx.pathParam("id"))
                .get("/users/me/{rest:path}", ctx -> "mine " + ctx.pathParam("rest"))
                .get("/users/{name}/posts", ctx -> "posts of " + ctx.pathParam("name"));
        SpindleTest.test(app, client -> {
            client.spec().get("/users/me").then().body(equalTo("me"));
            client.spec().get("/users/7").then().body(equalTo("by id 7"));
            client.spec().get("/users/ada").then().body(equalTo("by name ada"));
            client.spec().get("/users/me/a/b").then().body(equalTo("mine a/b"));
            // The literal "me" branch has no /posts route: matching backtracks to the parameter.
            client.spec().get("/users/me/posts").then().body(equalTo("mine posts"));
            client.spec().get("/users/ada/posts").then().body(equalTo("posts of ada"));
        });
    }

    @Test
    void ambiguous_routes_are_rejected_at_start_naming_both() {
        var app = Spindle.create();
        app.get("/users/{id}", ctx -> "a");
        app.group("/users", users -> users.get("/{name}", ctx -> "b"));
        assertThatThrownBy(() -> app.start(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("GET /users/{id}")
                .hasMessageContaining("GET /users/{name}");
    }

    @Test
    void same_template_with_different_methods_is_not_ambiguous() throws Exception {
        var app = Spindle.create();
        app.get("/a/{x:int}", ctx -> "get").put("/a/{y:int}", ctx -> "put");
        SpindleTest.test(app, client -> client.spec().put("/a/1").then().statusCode(200).body(equalTo("put")));
    }

    @Test
    void route_declared_with_trailing_slash_redirects_the_bare_path_with_308() throws Exception {
        var app = Spindle.create();
        app.get("/docs/", ctx -> "docs").post("/forms/", ctx -> "posted");
        SpindleTest.test(app, client -> {
            client.spec().redirects().follow(false).get("/docs?page=2").then()
                    .statusCode(308).header("Location", "/docs/?page=2");
            client.spec().get("/docs/").then().statusCode(200).body(equalTo("docs"));
            client.spec().redirects().follow(false).post("/forms").then()
                    .statusCode(308).header("Location", "/forms/");
        });
    }

    @Test
    void route_declared_without_trailing_slash_does_not_answer_with_one() throws Exception {
        var app = Spindle.create();
        app.get("/about", ctx -> "about");
        SpindleTest.test(app, client -> {
            client.spec().redirects().follow(false).get("/about/").then().statusCode(404);
            client.spec().get("/about").then().statusCode(200);
        });
    }

    @Test
    void redirect_location_of_an_encoded_path_stays_encoded() throws Exception {
        var app = Spindle.create();
        app.get("/docs/{name}/", ctx -> ctx.pathParam("name"));
        SpindleTest.test(app, client -> {
            try (var http = client.raw()) {
                var response = http.get("/docs/a%20b");
                assertThat(response.status()).isEqualTo(308);
                assertThat(response.header("Location")).isEqualTo("/docs/a%20b/");
                assertThat(http.get("/docs/a%20b/").text()).isEqualTo("a b");
            }
        });
    }

    @Test
    void reverse_routing_fills_parameters_and_puts_the_rest_in_the_query() throws Exception {
        var app = Spindle.create();
        app.get("/users/{id:int}", ctx -> "user", route -> route.name("user"));
        app.group("/files", files -> files.get("/{rest:path}", ctx -> "file", route -> route.name("file")));
        app.get("/link", ctx -> app.url("user", Map.of("id", 7, "tab", "a b&c")));
        SpindleTest.test(app, client -> {
            assertThat(app.url("user", Map.of("id", 7))).isEqualTo("/users/7");
            assertThat(app.url("user", Map.of("id", 7, "tab", "posts"))).isEqualTo("/users/7?tab=posts");
            assertThat(app.url("file", Map.of("rest", "docs/a b.txt"))).isEqualTo("/files/docs/a%20b.txt");
            client.spec().get("/link").then().body(equalTo("/users/7?tab=a%20b%26c"));
            client.spec().get(app.url("file", Map.of("rest", "docs/a b.txt"))).then().statusCode(200);
            assertThatThrownBy(() -> app.url("nope", Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope").hasMessageContaining("user");
            assertThatThrownBy(() -> app.url("user", Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
            assertThatThrownBy(() -> app.url("user", Map.of("id", "seven")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seven");
        });
    }

    @Test
    void a_literal_route_for_another_method_does_not_hide_a_parameter_route() throws Exception {
        var app = Spindle.create();
        app.post("/users/new", ctx -> "created");
        app.get("/users/{name}", ctx -> "user " + ctx.pathParam("name"));
        SpindleTest.test(app, client -> {
            client.spec().get("/users/new").then().statusCode(200).body(equalTo("user new"));
            client.spec().post("/users/new").then().statusCode(200).body(equalTo("created"));
            client.spec().put("/users/new").then().statusCode(405).header("Allow", "OPTIONS, POST");
        });
    }

    @Test
    void a_hundred_routes_each_answer_their_own_path_even_when_segments_hash_alike() throws Exception {
        var app = Spindle.create();
        for (int i = 0; i < 50; i++) {
            int n = i;
            app.get("/static/s" + i + "/list", ctx -> "static " + n);
            app.get("/api/r" + i + "/{id:int}/items/{name}", ctx -> "api " + n + " " + ctx.pathParam("id", Integer.class)
                    + " " + ctx.pathParam("name") + " " + ctx.pathParams().keySet());
        }
        // "Aa" and "BB" have the same String.hashCode, so they share a slot of the literal table.
        app.get("/hash/Aa", ctx -> "Aa").get("/hash/BB", ctx -> "BB").get("/hash/{other}", ctx -> "other");
        SpindleTest.test(app, client -> {
            for (int i = 0; i < 50; i++) {
                client.spec().get("/static/s" + i + "/list").then().statusCode(200).body(equalTo("static " + i));
                client.spec().get("/api/r" + i + "/" + (1000 + i) + "/items/report").then().statusCode(200)
                        .body(equalTo("api " + i + " " + (1000 + i) + " report [id, name]"));
            }
            client.spec().get("/hash/Aa").then().statusCode(200).body(equalTo("Aa"));
            client.spec().get("/hash/BB").then().statusCode(200).body(equalTo("BB"));
            client.spec().get("/hash/AaBB").then().statusCode(200).body(equalTo("other"));
            client.spec().get("/static/s50/list").then().statusCode(404);
            client.spec().get("/api/r1/x/items/report").then().statusCode(404);
            client.spec().get("/static/s1/lis").then().statusCode(404);
        });
    }

    @ParameterizedTest
    @CsvSource({"/{id:long}, Unknown converter 'long'", "/{rest:path}/x, must be the last segment",
            "/a{b}, must fill a whole segment", "/{a}/{a}, appears twice", "x, must start with '/'"})
    void a_bad_template_is_refused_when_declared(String template, String message) {
        var app = Spindle.create();
        assertThatThrownBy(() -> app.get(template, ctx -> "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}

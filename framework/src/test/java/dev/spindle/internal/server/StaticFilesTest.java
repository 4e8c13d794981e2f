package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import dev.spindle.testing.SpindleTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Files from a directory and from the classpath, with caching headers, ranges, and no way out of the root. */
class StaticFilesTest {

    private static final String SECRET = "TOP-SECRET-CONTENT";

    @TempDir
    Path temp;
    private Path root;

    @BeforeEach
    void files() throws Exception {
        root = Files.createDirectories(temp.resolve("root"));
        Files.writeString(root.resolve("hello.txt"), "hello, static world");
        Files.writeString(root.resolve("style.css"), "p { margin: 0 }");
        Files.writeString(root.resolve("data.json"), "{\"a\":1}");
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/index.html"), "<p>docs</p>");
        Files.writeString(temp.resolve("secret.txt"), SECRET);
        Files.createSymbolicLink(root.resolve("link-out.txt"), temp.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("dir-out"), temp);
    }

    private Spindle app() {
        var app = Spindle.create(config -> config.staticFiles("/static", root).staticResources("/assets", "public"));
        app.get("/users/{id}", ctx -> "user " + ctx.pathParam("id"));
        app.get("/static-route", ctx -> "a route, not a file");
        return app;
    }

    @Test
    void files_are_served_with_content_type_etag_and_last_modified() throws Exception {
        SpindleTest.test(app(), client -> {
            var response = client.spec().get("/static/hello.txt");
            response.then().statusCode(200).body(equalTo("hello, static world"))
                    .contentType("text/plain; charset=UTF-8").header("Content-Length", "19");
            assertThat(response.header("ETag")).isNotBlank();
            assertThat(response.header("Last-Modified")).isNotBlank();
            client.spec().get("/static/style.css").then().statusCode(200).contentType(startsWith("text/css"));
            client.spec().get("/static/data.json").then().statusCode(200).contentType(startsWith("application/json"));
            client.spec().get("/static/docs/").then().statusCode(200).contentType("text/html; charset=UTF-8")
                    .body(equalTo("<p>docs</p>"));
            client.spec().redirects().follow(false).get("/static/docs").then().statusCode(302)
                    .header("Location", endsWith("/static/docs/"));
        });
    }

    @Test
    void if_none_match_and_if_modified_since_answer_304() throws Exception {
        SpindleTest.test(app(), client -> {
            var first = client.spec().get("/static/hello.txt");
            String etag = first.header("ETag");
            client.spec().header("If-None-Match", etag).get("/static/hello.txt").then().statusCode(304);
            client.spec().header("If-None-Match", "\"something-else\"").get("/static/hello.txt").then().statusCode(200);
            client.spec().header("If-Modified-Since", first.header("Last-Modified")).get("/static/hello.txt")
                    .then().statusCode(304);
        });
    }

    @Test
    void a_range_request_gets_206_with_the_slice() throws Exception {
        SpindleTest.test(app(), client -> {
            client.spec().header("Range", "bytes=7-12").get("/static/hello.txt").then().statusCode(206)
                    .header("Content-Range", "bytes 7-12/19").body(equalTo("static"));
            client.spec().header("Range", "bytes=0-4").get("/assets/app.js").then().statusCode(206)
                    .body(equalTo("conso"));
        });
    }

    @Test
    void classpath_resources_are_served_with_caching_headers() throws Exception {
        SpindleTest.test(app(), client -> {
            var response = client.spec().get("/assets/app.js");
            response.then().statusCode(200).contentType("text/javascript; charset=UTF-8")
                    .body(equalTo("console.log(\"spindle\");\n"));
            String etag = response.header("ETag");
            assertThat(etag).isNotBlank();
            assertThat(response.header("Last-Modified")).isNotBlank();
            client.spec().header("If-None-Match", etag).get("/assets/app.js").then().statusCode(304);
            client.spec().get("/assets/css/site.css").then().statusCode(200).contentType(startsWith("text/css"));
            client.spec().get("/assets/").then().statusCode(200).contentType(startsWith("text/html"));
        });
    }

    @Test
    void a_missing_file_is_a_404_problem_and_never_reaches_a_route_with_the_prefix_stripped() throws Exception {
        SpindleTest.test(app(), client -> {
            client.spec().get("/static/nope.txt").then().statusCode(404).contentType("application/problem+json");
            client.spec().get("/static/users/7").then().statusCode(404);
            client.spec().get("/assets/users/7").then().statusCode(404);
            client.spec().get("/users/7").then().statusCode(200).body(equalTo("user 7"));
            client.spec().get("/static-route").then().statusCode(200);
        });
    }

    @Test
    void directories_are_not_listed() throws Exception {
        SpindleTest.test(app(), client -> {
            client.spec().get("/static/").then().statusCode(404).contentType("application/problem+json");
            client.spec().get("/assets/css/").then().statusCode(404).contentType("application/problem+json");
        });
    }

    @Test
    void other_methods_fall_through_to_the_routes() throws Exception {
        SpindleTest.test(app(), client -> {
            client.spec().post("/static/hello.txt").then().statusCode(404).contentType("application/problem+json");
            client.spec().head("/static/hello.txt").then().statusCode(200).header("Content-Length", "19");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/static/../secret.txt",
            "/static/%2e%2e/secret.txt",
            "/static/%2E%2E/secret.txt",
            "/static/%2e%2e%2fsecret.txt",
            "/static/..%2fsecret.txt",
            "/static/..%2Fsecret.txt",
            "/static/..\\secret.txt",
            "/static/..%5csecret.txt",
            "/static/docs/..\\..\\secret.txt",
            "/static/docs/../../secret.txt",
            "/static/./../secret.txt",
            "/static/%252e%252e/secret.txt",
            "/static/link-out.txt",
            "/static/dir-out/secret.txt",
            "/static//../secret.txt",
            "/assets/../simplelogger.properties",
            "/assets/%2e%2e/simplelogger.properties",
            "/assets/..%2fsimplelogger.properties",
            "/assets/..\\simplelogger.properties",
            "/assets/%5c..%5csimplelogger.properties",
            "/static/%c0%ae%c0%ae/secret.txt"})
    void traversal_attempts_are_refused(String path) throws Exception {
        SpindleTest.test(app(), client -> {
            try (RawHttp http = client.raw()) {
                var response = http.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").readOrClosed();
                if (response != null) {
                    assertThat(response.status()).as(path).isIn(400, 404);
                    assertThat(response.text()).doesNotContain(SECRET).doesNotContain("simpleLogger");
                }
            }
        });
    }
}

package dev.spindle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import dev.spindle.testing.SpindleTest;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The app object's lifecycle: create, start, port, stop, and setup frozen at start. */
class AppTest {

    @Test
    void starts_on_a_free_port_and_stops() throws Exception {
        var app = Spindle.create();
        app.get("/", ctx -> "root");
        assertThatThrownBy(app::port).isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
        try (app) {
            app.start(0);
            assertThat(app.port()).isPositive();
            var response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + app.port() + "/")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).isEqualTo("root");
        }
        assertThatThrownBy(app::port).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void setup_after_start_throws_with_a_clear_message() throws Exception {
        var app = Spindle.create();
        app.get("/a", ctx -> "a");
        SpindleTest.test(app, client -> {
            assertThatThrownBy(() -> app.get("/b", ctx -> "b"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("before start()");
            assertThatThrownBy(() -> app.before(ctx -> null)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> app.error(404, (e, ctx) -> "x")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> app.group("/g", g -> { })).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> app.start(0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already started");
            client.spec().get("/b").then().statusCode(404);
        });
    }

    @Test
    void a_group_captured_during_setup_is_frozen_too() throws Exception {
        var app = Spindle.create();
        var captured = new dev.spindle.routing.RouteGroup[1];
        app.group("/api", api -> captured[0] = api);
        SpindleTest.test(app, client -> assertThatThrownBy(() -> captured[0].get("/late", ctx -> "late"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("before start()"));
    }

    @Test
    void a_stopped_app_cannot_start_again_and_says_why() throws Exception {
        var app = Spindle.create();
        app.get("/a", ctx -> "a");
        app.start(0);
        app.stop();
        assertThatThrownBy(() -> app.start(0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stopped");
    }

    @Test
    void a_failed_start_leaves_the_app_usable() throws Exception {
        try (var taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            var app = Spindle.create();
            app.get("/a", ctx -> "a");
            assertThatThrownBy(() -> app.start(taken.getLocalPort())).isInstanceOf(RuntimeException.class);
            SpindleTest.test(app, client -> client.spec().get("/a").then().statusCode(200));
        }
    }

    @Test
    void two_apps_run_side_by_side_in_one_jvm() throws Exception {
        var first = Spindle.create();
        first.get("/who", ctx -> "first").get("/only-first", ctx -> "1");
        var second = Spindle.create();
        second.get("/who", ctx -> "second");
        second.error(404, (error, ctx) -> "second's 404");
        SpindleTest.test(first, one -> SpindleTest.test(second, two -> {
            assertThat(one.port()).isNotEqualTo(two.port());
            one.spec().get("/who").then().body(equalTo("first"));
            two.spec().get("/who").then().body(equalTo("second"));
            one.spec().get("/only-first").then().statusCode(200);
            two.spec().get("/only-first").then().statusCode(404).body(equalTo("second's 404"));
            one.spec().get("/missing").then().statusCode(404).contentType("application/problem+json");
        }));
    }

    @Test
    void reverse_routing_needs_a_started_app() {
        var app = Spindle.create();
        app.get("/users/{id}", ctx -> "u", route -> route.name("user"));
        assertThatThrownBy(() -> app.url("user", Map.of("id", 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("start()");
    }
}

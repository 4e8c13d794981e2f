package dev.spindle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.spindle.http.AttributeKey;
import dev.spindle.http.HttpException;
import dev.spindle.http.Problem;
import dev.spindle.testing.SpindleTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The examples of docs/quickstart.md, docs/routing.md and docs/errors.md, as written there, and what the pages say they do. */
class DocsExamplesTest {

    record NewUser(String name, String email) {
    }

    record User(int id, String name, String email, Instant created) {
    }

    static final class PaymentException extends Exception {
        PaymentException(String message) {
            super(message);
        }
    }

    static final AttributeKey<String> USER = AttributeKey.of("user", String.class);

    @Test
    void quickstart_users() throws Exception {
        Map<Integer, User> users = new ConcurrentHashMap<>();
        AtomicInteger ids = new AtomicInteger();

        var app = Spindle.create();
        app.post("/users", ctx -> {
            NewUser input = ctx.bodyAs(NewUser.class);
            User user = new User(ids.incrementAndGet(), input.name(), input.email(), Instant.now());
            users.put(user.id(), user);
            ctx.status(201).header("Location", app.url("user", Map.of("id", user.id())));
            return user;
        });
        app.get("/users/{id:int}", ctx -> {
            User user = users.get(ctx.pathParam("id", Integer.class));
            if (user == null) {
                throw new HttpException(404, "No user " + ctx.pathParam("id"));
            }
            return user;
        }, route -> route.name("user"));
        app.get("/users", ctx -> users.values().stream()
                .limit(ctx.queryParamAsInt("limit", 20))
                .toList());

        SpindleTest.test(app, client -> {
            client.spec().contentType("application/json").body("{\"name\":\"Ada\",\"email\":\"ada@example.org\"}")
                    .post("/users").then().statusCode(201).header("Location", "/users/1")
                    .body("id", equalTo(1)).body("name", equalTo("Ada")).body("created", startsWith("20"));
            client.spec().get("/users/abc").then().statusCode(404);
            client.spec().get("/users/9").then().statusCode(404).contentType("application/problem+json")
                    .body("title", equalTo("Not Found")).body("detail", equalTo("No user 9"));
            client.spec().contentType("application/json").body("{\"name\":").post("/users").then().statusCode(400)
                    .body("detail", startsWith("Malformed JSON at line 1, column 9: "));
            client.spec().get("/users?limit=x").then().statusCode(400);
            client.spec().get("/users").then().statusCode(200).body("size()", equalTo(1));
        });
    }

    @Test
    void quickstart_hooks_and_routing_attributes() throws Exception {
        List<String> tornDown = new CopyOnWriteArrayList<>();
        var app = Spindle.create();
        app.before(ctx -> {
            if (ctx.path().startsWith("/admin") && ctx.header("X-Token") == null) {
                throw new HttpException(401, "Log in first");
            }
            return null;
        });
        app.before(ctx -> {
            String user = ctx.cookie("session");
            if (ctx.path().equals("/me") && user == null) {
                return ctx.status(401).text("Log in first");
            }
            ctx.attribute(USER, user);
            return null;
        });
        app.after(ctx -> ctx.header("X-Frame-Options", "DENY"));
        app.teardown((ctx, error) -> tornDown.add(ctx.path()));
        app.error(IllegalArgumentException.class, (error, ctx) -> {
            ctx.status(422);
            return Map.of("error", error.getMessage());
        });
        app.group("/api/v1", api -> api
                .before(ctx -> null)
                .get("/ping", ctx -> "pong"));
        app.get("/admin/panel", ctx -> "panel");
        app.get("/me", ctx -> ctx.attribute(USER));
        app.get("/bad", ctx -> {
            throw new IllegalArgumentException("no good");
        });

        SpindleTest.test(app, client -> {
            client.spec().get("/api/v1/ping").then().statusCode(200).body(equalTo("pong")).header("X-Frame-Options", "DENY");
            client.spec().get("/admin/panel").then().statusCode(401).header("X-Frame-Options", "DENY");
            client.spec().get("/me").then().statusCode(401).body(equalTo("Log in first"));
            client.spec().cookie("session", "ada").get("/me").then().statusCode(200).body(equalTo("ada"));
            client.spec().get("/bad").then().statusCode(422).body("error", equalTo("no good"));
        });
        assertThat(tornDown).contains("/api/v1/ping", "/admin/panel", "/me", "/bad");
    }

    @Test
    void routing_error_handlers_and_problem_write_to() throws Exception {
        var app = Spindle.create();
        app.error(PaymentException.class, (error, ctx) -> {
            Problem.of(402, "The payment was declined").writeTo(ctx);
            return null;
        });
        app.error(404, (error, ctx) -> "<h1>Nothing here</h1>");
        app.error(500, (error, ctx) -> "Sorry! Quote " + ctx.requestId());
        app.get("/pay", ctx -> {
            throw new PaymentException("card");
        });
        app.get("/boom", ctx -> {
            throw new IllegalStateException("boom");
        });
        app.get("/slow-down", ctx -> {
            throw new HttpException(429, "Slow down", Map.of("Retry-After", "30"));
        });
        SpindleTest.test(app, client -> {
            client.spec().get("/pay").then().statusCode(402).contentType("application/problem+json")
                    .body("title", equalTo("Payment Required")).body("detail", equalTo("The payment was declined"));
            client.spec().get("/nowhere").then().statusCode(404).body(equalTo("<h1>Nothing here</h1>"));
            client.spec().header("X-Request-Id", "r1").get("/boom").then().statusCode(500).body(equalTo("Sorry! Quote r1"));
            client.spec().get("/slow-down").then().statusCode(429).header("Retry-After", "30")
                    .body("detail", containsString("Slow down"));
        });
    }

    /** docs/routing.md, "Extensions". */
    static final class Health implements Extension {
        private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();

        @Override
        public void install(Extension.Setup setup) {
            setup.app().get("/health", ctx -> Map.of("status", stopping.get() ? "STOPPING" : "UP"),
                    route -> route.nonBlocking());
            setup.onStop(() -> stopping.set(true));
        }
    }

    @Test
    void routing_an_extension_adds_its_route_and_hears_the_app_stop() throws Exception {
        Health health = new Health();
        var app = Spindle.create();
        app.install(health);
        SpindleTest.test(app, client -> client.spec().get("/health").then().statusCode(200).body("status", equalTo("UP")));
        assertThat(health.stopping).isTrue();
        assertThatThrownBy(() -> app.install(new Health()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("before start()");
    }
}

package dev.spindle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.spindle.http.Handler;
import dev.spindle.http.HttpException;
import dev.spindle.testing.SpindleTest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Route groups (blueprints), before/after/teardown hooks and error handlers, over HTTP. */
class HooksTest {

    /** A checked exception, to prove handlers may throw anything. */
    static class PaymentException extends Exception {
        PaymentException(String message) {
            super(message);
        }
    }

    static class CardDeclined extends PaymentException {
        CardDeclined() {
            super("declined");
        }
    }

    private static Handler mark(List<String> calls, String call) {
        return ctx -> {
            calls.add(call);
            return null;
        };
    }

    @Test
    void nested_groups_run_outer_hooks_first_before_and_inner_hooks_first_after() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        var app = Spindle.create();
        app.before(mark(calls, "app before"))
                .after(ctx -> calls.add("app after"))
                .group("/api", api -> api
                        .before(mark(calls, "api before"))
                        .after(ctx -> calls.add("api after"))
                        .group("/v1", v1 -> v1
                                .before(mark(calls, "v1 before"))
                                .after(ctx -> calls.add("v1 after"))
                                .get("/ping", ctx -> calls.add("handler") ? "pong" : null)))
                .get("/plain", ctx -> calls.add("plain") ? "plain" : null);
        SpindleTest.test(app, client -> {
            client.spec().get("/api/v1/ping").then().statusCode(200).body(equalTo("pong"));
            assertThat(calls).containsExactly("app before", "api before", "v1 before", "handler",
                    "v1 after", "api after", "app after");
            calls.clear();
            client.spec().get("/plain").then().statusCode(200);
            assertThat(calls).containsExactly("app before", "plain", "app after");
        });
    }

    @Test
    void before_hook_returning_a_value_ends_the_request_but_after_hooks_still_run() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        var app = Spindle.create();
        app.group("/admin", admin -> admin
                .before(ctx -> ctx.header("X-Token") == null ? ctx.status(401).text("log in first") : null)
                .after(ctx -> ctx.header("X-After", "ran"))
                .get("/panel", ctx -> calls.add("handler") ? "panel" : null));
        SpindleTest.test(app, client -> {
            client.spec().get("/admin/panel").then().statusCode(401).body(equalTo("log in first"))
                    .header("X-After", "ran");
            assertThat(calls).isEmpty();
            client.spec().header("X-Token", "t").get("/admin/panel").then().statusCode(200).body(equalTo("panel"));
            assertThat(calls).containsExactly("handler");
        });
    }

    @Test
    void before_hook_throwing_ends_the_request_with_the_error() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        var app = Spindle.create();
        app.before(ctx -> {
            throw new HttpException(403, "No entry");
        });
        app.get("/door", ctx -> calls.add("handler") ? "open" : null);
        SpindleTest.test(app, client -> {
            client.spec().get("/door").then().statusCode(403)
                    .contentType("application/problem+json").body("detail", equalTo("No entry"));
            assertThat(calls).isEmpty();
        });
    }

    @Test
    void after_hook_sees_and_changes_the_response() throws Exception {
        var app = Spindle.create();
        app.after(ctx -> {
            ctx.header("X-Seen-Status", String.valueOf(ctx.status()));
            if (ctx.status() == 201) {
                ctx.status(202).text(new String(ctx.responseBody()) + " (changed)");
            }
        });
        app.post("/things", ctx -> {
            ctx.status(201);
            return "created";
        });
        SpindleTest.test(app, client -> client.spec().post("/things").then()
                .statusCode(202).header("X-Seen-Status", "201").body(equalTo("created (changed)")));
    }

    @Test
    void teardown_runs_after_success_and_after_errors_with_the_error() throws Exception {
        var seen = new LinkedBlockingQueue<String>();
        var app = Spindle.create();
        app.teardown((ctx, error) -> seen.add(ctx.path() + " " + ctx.status() + " "
                + (error == null ? "ok" : error.getMessage())));
        app.get("/fine", ctx -> "fine");
        app.get("/broken", ctx -> {
            throw new IllegalStateException("boom");
        });
        app.group("/g", g -> g.teardown((ctx, error) -> seen.add("inner first"))
                .get("/x", ctx -> "x"));
        SpindleTest.test(app, client -> {
            client.spec().get("/fine").then().statusCode(200);
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("/fine 200 ok");
            client.spec().get("/broken").then().statusCode(500);
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("/broken 500 boom");
            client.spec().get("/g/x").then().statusCode(200);
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("inner first");
            assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("/g/x 200 ok");
        });
    }

    @Test
    void failing_teardown_does_not_change_the_response() throws Exception {
        var app = Spindle.create();
        app.teardown((ctx, error) -> {
            throw new IllegalStateException("teardown failed");
        });
        app.get("/x", ctx -> "x");
        SpindleTest.test(app, client -> client.spec().get("/x").then().statusCode(200).body(equalTo("x")));
    }

    @Test
    void most_specific_error_handler_wins() throws Exception {
        var app = Spindle.create();
        app.error(Exception.class, (error, ctx) -> "generic")
                .error(PaymentException.class, (error, ctx) -> {
                    ctx.status(402);
                    return "payment: " + error.getMessage();
                })
                .error(CardDeclined.class, (error, ctx) -> {
                    ctx.status(402);
                    return "card declined";
                });
        app.get("/pay", ctx -> {
            throw new PaymentException("insufficient funds");
        });
        app.get("/card", ctx -> {
            throw new CardDeclined();
        });
        app.get("/other", ctx -> {
            throw new java.io.IOException("disk");
        });
        SpindleTest.test(app, client -> {
            client.spec().get("/pay").then().statusCode(402).body(equalTo("payment: insufficient funds"));
            client.spec().get("/card").then().statusCode(402).body(equalTo("card declined"));
            client.spec().get("/other").then().statusCode(500).body(equalTo("generic"));
        });
    }

    @Test
    void group_error_handlers_apply_to_their_routes_only() throws Exception {
        var app = Spindle.create();
        app.error(IllegalArgumentException.class, (error, ctx) -> "app handled");
        app.group("/api", api -> api
                .error(IllegalArgumentException.class, (error, ctx) -> {
                    ctx.status(422);
                    return java.util.Map.of("error", error.getMessage());
                })
                .error(409, (error, ctx) -> "api conflict")
                .get("/bad", ctx -> {
                    throw new IllegalArgumentException("bad input");
                })
                .get("/conflict", ctx -> {
                    throw new HttpException(409, "taken");
                }));
        app.get("/bad", ctx -> {
            throw new IllegalArgumentException("bad input");
        });
        app.get("/conflict", ctx -> {
            throw new HttpException(409, "taken");
        });
        SpindleTest.test(app, client -> {
            client.spec().get("/api/bad").then().statusCode(422).contentType("application/json")
                    .body("error", equalTo("bad input"));
            client.spec().get("/bad").then().statusCode(500).body(equalTo("app handled"));
            client.spec().get("/api/conflict").then().statusCode(409).body(equalTo("api conflict"));
            client.spec().get("/conflict").then().statusCode(409).contentType("application/problem+json")
                    .body("detail", equalTo("taken"));
        });
    }

    @Test
    void status_handlers_handle_app_level_404_and_405() throws Exception {
        var app = Spindle.create();
        app.error(404, (error, ctx) -> "<h1>Nothing here</h1>");
        app.error(405, (error, ctx) -> "try another verb");
        app.get("/only-get", ctx -> "x");
        SpindleTest.test(app, client -> {
            client.spec().get("/missing").then().statusCode(404)
                    .contentType("text/html; charset=UTF-8").body(equalTo("<h1>Nothing here</h1>"));
            client.spec().post("/only-get").then().statusCode(405).header("Allow", "GET, HEAD, OPTIONS")
                    .body(equalTo("try another verb"));
        });
    }

    @Test
    void status_500_handler_handles_unexpected_exceptions() throws Exception {
        var app = Spindle.create();
        app.error(500, (error, ctx) -> "sorry, request " + ctx.requestId());
        app.get("/boom", ctx -> {
            throw new IllegalStateException("boom");
        });
        SpindleTest.test(app, client -> client.spec().header("X-Request-Id", "req-500")
                .get("/boom").then().statusCode(500).body(equalTo("sorry, request req-500")));
    }

    @Test
    void failing_error_handler_ends_as_a_plain_500_problem() throws Exception {
        var app = Spindle.create();
        app.error(IllegalStateException.class, (error, ctx) -> {
            throw new UnsupportedOperationException("handler bug");
        });
        app.get("/boom", ctx -> {
            throw new IllegalStateException("boom");
        });
        SpindleTest.test(app, client -> client.spec().get("/boom").then().statusCode(500)
                .contentType("application/problem+json").body("status", equalTo(500)));
    }
}

package dev.spindle;

import static org.hamcrest.Matchers.equalTo;

import dev.spindle.locks.LockTimeoutException;
import dev.spindle.testing.SpindleTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The app's default answer to a lock timeout (503) gives way to a handler of the user's. */
class LockTimeoutAnswerTest {

    private static Object timeOut() {
        throw new LockTimeoutException("inventory", Duration.ofMillis(200));
    }

    @Test
    void a_groups_handler_for_lock_timeouts_wins_in_the_group_and_the_default_answers_elsewhere() throws Exception {
        var app = Spindle.create();
        app.get("/stock", ctx -> timeOut());
        app.group("/api", api -> api
                .error(LockTimeoutException.class, (error, ctx) -> {
                    ctx.status(429);
                    return "busy: " + error.lockName();
                })
                .get("/stock", ctx -> timeOut()));
        SpindleTest.test(app, client -> {
            client.spec().get("/api/stock").then().statusCode(429).body(equalTo("busy: inventory"));
            client.spec().get("/stock").then().statusCode(503).header("Retry-After", "1")
                    .body("detail", equalTo("The server is busy: a lock this request needs was not free within 200 ms;"
                            + " try again shortly"));
        });
    }

    @Test
    void an_apps_own_handler_for_lock_timeouts_replaces_the_default() throws Exception {
        var app = Spindle.create();
        app.error(LockTimeoutException.class, (error, ctx) -> {
            ctx.status(409);
            return "conflict";
        });
        app.get("/stock", ctx -> timeOut());
        SpindleTest.test(app, client -> client.spec().get("/stock").then().statusCode(409).body(equalTo("conflict")));
    }
}

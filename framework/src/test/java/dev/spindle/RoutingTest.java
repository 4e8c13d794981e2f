package dev.spindle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.spindle.testing.SpindleTest;
import org.junit.jupiter.api.Test;

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
}

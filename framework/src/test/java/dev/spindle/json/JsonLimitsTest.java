package dev.spindle.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The read constraints of the default JSON mapper hold over HTTP: input past them is a 400 problem,
 * never a stack trace or a deep recursion, and input just inside them is accepted.
 */
class JsonLimitsTest {

    private static Spindle echo() {
        Spindle app = Spindle.create();
        app.post("/echo", ctx -> ctx.bodyAs(Object.class));
        return app;
    }

    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    @Test
    void nesting_past_one_hundred_levels_is_a_400() throws Exception {
        SpindleTest.test(echo(), client -> {
            client.spec().contentType("application/json").body(nested(100)).post("/echo").then().statusCode(200);
            client.spec().contentType("application/json").body(nested(101)).post("/echo").then()
                    .statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("nesting depth"));
        });
    }

    @Test
    void a_number_longer_than_one_hundred_digits_is_a_400() throws Exception {
        SpindleTest.test(echo(), client -> {
            client.spec().contentType("application/json").body("[" + "9".repeat(100) + "]").post("/echo").then()
                    .statusCode(200);
            client.spec().contentType("application/json").body("[" + "9".repeat(101) + "]").post("/echo").then()
                    .statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("Number value length"));
        });
    }

    @Test
    void a_field_name_longer_than_a_thousand_characters_is_a_400() throws Exception {
        SpindleTest.test(echo(), client -> {
            client.spec().contentType("application/json").body("{\"" + "n".repeat(1_001) + "\":1}").post("/echo").then()
                    .statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("Name length"));
        });
    }

    @Test
    void trailing_tokens_after_the_value_are_a_400() throws Exception {
        SpindleTest.test(echo(), client -> client.spec().contentType("application/json").body("{\"a\":1} {\"b\":2}")
                .post("/echo").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("Trailing token")));
    }

    @Test
    void the_pinned_constraints_are_the_documented_ones() {
        assertThat(Map.of(
                "depth", JacksonJsonMapper.READ_CONSTRAINTS.getMaxNestingDepth(),
                "string", JacksonJsonMapper.READ_CONSTRAINTS.getMaxStringLength(),
                "number", JacksonJsonMapper.READ_CONSTRAINTS.getMaxNumberLength(),
                "name", JacksonJsonMapper.READ_CONSTRAINTS.getMaxNameLength()))
                .containsExactlyInAnyOrderEntriesOf(Map.of("depth", 100, "string", 10 * 1024 * 1024, "number", 100, "name", 1_000));
    }
}

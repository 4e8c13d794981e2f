package dev.spindle.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;

/**
 * Reverse routing round-trips through a live server: for any value, {@code app.url(...)} either
 * refuses it with an {@link IllegalArgumentException} (the cases docs/routing.md lists) or builds a
 * URL that the server matches back to the same route with the same value.
 */
class UrlRoundTripPropertiesTest {

    private Spindle app;

    @BeforeProperty
    void start() {
        app = Spindle.create();
        app.get("/s/{v}", ctx -> "s:" + ctx.pathParam("v"), route -> route.name("segment").nonBlocking());
        app.get("/p/{v:path}", ctx -> "p:" + ctx.pathParam("v"), route -> route.name("path").nonBlocking());
        app.start(0);
    }

    @AfterProperty
    void stop() {
        app.stop();
    }

    @Property
    void a_url_for_a_segment_parameter_matches_back_to_its_value(@ForAll("values") String value) throws Exception {
        roundTrip("segment", "s:", value, refusedAsSegment(value));
    }

    @Property
    void a_url_for_a_path_parameter_matches_back_to_its_value(@ForAll("values") String value) throws Exception {
        roundTrip("path", "p:", value, refusedAsPath(value));
    }

    @Example
    void a_slash_outside_a_path_parameter_is_refused_with_a_way_out() {
        assertThatThrownBy(() -> app.url("segment", Map.of("v", "a/b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'/' (%2F)").hasMessageContaining("{v:path}");
        assertThatThrownBy(() -> app.url("path", Map.of("v", "a\\b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'\\' (%5C)");
        assertThat(app.url("path", Map.of("v", "a/b c"))).isEqualTo("/p/a/b%20c");
    }

    private void roundTrip(String route, String prefix, String value, boolean refused) throws Exception {
        String url;
        try {
            url = app.url(route, Map.of("v", value));
        } catch (IllegalArgumentException e) {
            assertThat(refused).as("refused %s: %s", value, e.getMessage()).isTrue();
            Statistics.collect("refused");
            return;
        }
        assertThat(refused).as("accepted %s as %s", value, url).isFalse();
        try (RawHttp http = RawHttp.connect(app.port())) {
            RawHttp.Response response = http.get(url);
            assertThat(response.status()).as("GET %s", url).isEqualTo(200);
            assertThat(response.text()).as("GET %s", url).isEqualTo(prefix + value);
        }
        Statistics.collect("round trip");
    }

    /** What {@code {v}} refuses: nothing, a dot segment, or a separator, {@code /} or {@code \}. */
    private static boolean refusedAsSegment(String value) {
        return value.isEmpty() || value.equals(".") || value.equals("..") || value.contains("/") || value.contains("\\");
    }

    /** What {@code {v:path}} refuses: nothing, a dot segment anywhere, or {@code \}. */
    private static boolean refusedAsPath(String value) {
        return value.isEmpty() || value.contains("\\")
                || List.of(value.split("/", -1)).stream().anyMatch(s -> s.equals(".") || s.equals(".."));
    }

    /** Any text of whole code points, with the characters URLs and servers treat specially made common. */
    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> special = Arbitraries.of("/", "\\", ".", "..", "%", "%2F", "%5C", "%25", "+", " ", "?", "#",
                ";", "&", "=", ":", "@", "~", "é", "日", "😀", "\u0000", "\r", "\n", "\t", "\u007f", "\u0085", "\u2028",
                "\uFEFF", "\uFFFD");
        Arbitrary<String> codePoint = Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
                .map(Character::toString);
        Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(4);
        return Arbitraries.frequencyOf(Tuple.of(3, special), Tuple.of(2, codePoint), Tuple.of(3, ascii))
                .list().ofMaxSize(8).map(parts -> String.join("", parts));
    }
}

package dev.spindle.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Route matching over generated paths: whatever a client sends (dot segments, encoded or not,
 * backslashes, double slashes, unicode, nothing at all), matching answers with a route and never
 * hands a handler a parameter that walks up or stays put ({@code ..} or {@code .}).
 */
class RouterPropertiesTest {

    /** A realistic route table, with no {@code /} route: the empty path once threw here. */
    private static final Router ROUTER = router();

    private static Router router() {
        Group app = Group.root(() -> false);
        app.get("/users/me", ctx -> null);
        app.get("/users/{id:int}", ctx -> null);
        app.get("/users/{name}", ctx -> null);
        app.get("/users/{name}/posts", ctx -> null);
        app.post("/users/new", ctx -> null);
        app.get("/files/{rest:path}", ctx -> null);
        app.get("/prices/{x:float}", ctx -> null);
        app.get("/things/{u:uuid}", ctx -> null);
        app.get("/docs/", ctx -> null);
        app.group("/api", api -> api.get("/{a}/{b}/{rest:path}", ctx -> null));
        app.ws("/rooms/{room}", session -> { });
        return Router.compile(app, ThreadingMode.nonBlocking(), Duration.ofSeconds(5), Dispatchers::create);
    }

    @Property
    void matching_never_throws_and_never_yields_a_dot_segment(@ForAll("paths") String path,
                                                              @ForAll("methods") String method,
                                                              @ForAll boolean webSocketUpgrade) {
        RouteMatch match = ROUTER.match(method, path, webSocketUpgrade);

        assertThat(match.route()).isNotNull();
        for (Object value : match.params().values()) {
            if (value instanceof String text) {
                assertThat(List.of(text.split("/", -1))).as("segments of %s", text).doesNotContain(".", "..");
            }
        }
        Statistics.label("matched").collect(match.route().synthetic() ? match.route().uri() : "route");
    }

    @Example
    void the_empty_path_is_matched_without_a_root_route() {
        assertThatCode(() -> ROUTER.match("GET", "")).doesNotThrowAnyException();
        assertThat(ROUTER.match("GET", "").route().uri()).isEqualTo(Router.NOT_FOUND);
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.oneOf(Arbitraries.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"),
                Arbitraries.strings().ofMaxLength(8));
    }

    /** Paths as a client might send them, before or after percent-decoding. */
    @Provide
    static Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of("", ".", "..", "...", "%2e", "%2E%2e", ".%2e", "%2e.",
                        "%2F", "%2f", "..%2F..", "%5C", "\\", "..\\..", ".\\", "%00", "\u0000", "%", "%zz", "%252e%252e",
                        ";", ";jsessionid=1", "..;", "?x=1", "#top", "users", "me", "new", "posts", "files", "docs",
                        "prices", "things", "api", "rooms", "7", "2147483648", "1.5", "-1.5", ".5",
                        "123e4567-e89b-12d3-a456-426614174000", "a b", "%20", "é", "%C3%A9", "%FF", "日本", "😀",
                        "\uD800", "secret.txt", "index.html")),
                Tuple.of(2, Arbitraries.strings().alpha().numeric().withChars(".-_~%").ofMaxLength(6)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(6)));
        Arbitrary<String> separator = Arbitraries.of("/", "/", "/", "//", "\\", "/./", "/../");
        return Arbitraries.oneOf(
                Arbitraries.just(""),
                Arbitraries.of("/", "//", ".", "..", "\\", "*"),
                segment.list().ofMaxSize(8).flatMap(segments -> separator.list().ofSize(segments.size()).map(seps -> {
                    StringBuilder path = new StringBuilder();
                    for (int i = 0; i < segments.size(); i++) {
                        path.append(seps.get(i)).append(segments.get(i));
                    }
                    return path.toString();
                })));
    }
}

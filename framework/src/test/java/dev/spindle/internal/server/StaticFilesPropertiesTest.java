package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;

/**
 * No request path gets a file from outside a static root: generated paths (dot segments, encoded
 * or not, backslashes, double slashes, unicode, names of files next to the root and of classpath
 * files outside the resource folder) go over a raw socket to a live server with a directory and a
 * classpath folder mounted. Whatever comes back is a file under its root, the app's own answer, or
 * a refusal; never a 500, never a secret.
 */
class StaticFilesPropertiesTest {

    private static final String SECRET = "TOP-SECRET-CONTENT";
    /** Text of classpath files outside {@code public/}: the logging and test-engine configuration. */
    private static final List<String> CLASSPATH_SECRETS = List.of("simpleLogger", "jqwik.database");
    private static final String CLASS_FILE_MAGIC = "\u00CA\u00FE\u00BA\u00BE";

    private Path temp;
    private Spindle app;
    private Set<String> servable;

    @BeforeProperty
    void start() throws IOException {
        temp = Files.createTempDirectory("spindle-static-properties");
        Path root = Files.createDirectories(temp.resolve("root"));
        Files.writeString(root.resolve("hello.txt"), "hello, static world");
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/index.html"), "<p>docs</p>");
        Files.writeString(root.resolve("é.txt"), "accented");
        Files.writeString(temp.resolve("secret.txt"), SECRET);
        Files.createDirectories(temp.resolve("root-sibling"));
        Files.writeString(temp.resolve("root-sibling/secret.txt"), SECRET);
        Files.createSymbolicLink(root.resolve("link-out.txt"), temp.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("dir-out"), temp);
        servable = Set.of("hello, static world", "<p>docs</p>", "accented", resource("public/index.html"),
                resource("public/app.js"), resource("public/css/site.css"), "route");
        app = Spindle.create(config -> config.staticFiles("/static", root).staticResources("/assets", "public"));
        app.get("/{rest:path}", ctx -> "route");
        app.start(0);
    }

    @AfterProperty
    void stop() throws IOException {
        app.stop();
        try (Stream<Path> files = Files.walk(temp)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Property
    void a_static_route_never_serves_a_file_outside_its_root(@ForAll("paths") String path) throws IOException {
        RawHttp.Response response;
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send(request(path));
            response = http.readOrClosed();
        }
        if (response == null) {
            Statistics.collect("closed");
            return;
        }
        Statistics.collect(response.status());
        assertThat(response.status()).as(path).isNotEqualTo(500);
        String body = response.text();
        assertThat(body).as(path).doesNotContain(SECRET);
        assertThat(CLASSPATH_SECRETS).as(path).noneMatch(body::contains);
        assertThat(new String(response.body(), StandardCharsets.ISO_8859_1)).as(path).doesNotStartWith(CLASS_FILE_MAGIC);
        if (response.status() == 200) {
            assertThat(body).as(path).isIn(servable);
        }
    }

    /** The request line carries the path as UTF-8 bytes, exactly as generated. */
    private static byte[] request(String path) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("GET ".getBytes(StandardCharsets.US_ASCII));
        bytes.writeBytes(path.getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return bytes.toByteArray();
    }

    private static String resource(String name) throws IOException {
        try (var in = StaticFilesPropertiesTest.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * A mount prefix (or a near miss), then segments aimed at the files around the roots, joined by
     * separators of every spelling; and, so that the check is not vacuous, paths that do serve a file.
     */
    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> prefix = Arbitraries.of("/static", "/assets", "/static/", "/assets/", "/STATIC", "/static.",
                "/static%2F", "/static%2f..", "/assets/..", "//static", "/%73tatic", "");
        Arbitrary<String> segment = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of("..", "..", ".", "", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%2e", "..%2f..",
                        "..%2F", "%2f", "..%5c..", "%5c", "..\\..", "\\", "%252e%252e", "..;", ";", "%00", "..%00",
                        "%c0%ae%c0%ae", "%e0%80%ae%e0%80%ae", "..%c0%af", "%uff0e%uff0e", "．．", "%EF%BC%8E%EF%BC%8E",
                        "hello.txt", "HELLO.TXT", "hello.txt.", "hello.txt%20", "hello.txt::$DATA", "docs", "index.html",
                        "é.txt", "%C3%A9.txt", "secret.txt", "root", "root-sibling", "link-out.txt", "dir-out",
                        "public", "css", "site.css", "app.js", "simplelogger.properties", "junit-platform.properties",
                        "dev", "spindle", "Spindle.class", "META-INF", "MANIFEST.MF", "日本", "😀", "%", "%zz")),
                Tuple.of(1, Arbitraries.strings().alpha().numeric().withChars(".%/\\").ofMaxLength(6)));
        Arbitrary<String> separator = Arbitraries.of("/", "/", "/", "//", "\\", "%2f", "%5c", "/./");
        return Arbitraries.oneOf(
                Arbitraries.of("/static/hello.txt", "/static/docs/", "/assets/index.html", "/assets/css/site.css"),
                prefix.flatMap(p -> segment.list().ofMaxSize(7).flatMap(segments ->
                        separator.list().ofSize(segments.size()).map(seps -> {
                            StringBuilder path = new StringBuilder(p);
                            for (int i = 0; i < segments.size(); i++) {
                                path.append(seps.get(i)).append(segments.get(i));
                            }
                            return path.toString();
                        }))));
    }
}

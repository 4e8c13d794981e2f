package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Limits;
import dev.spindle.Spindle;
import dev.spindle.testing.Logs;
import dev.spindle.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;

/**
 * Random request bytes against one live server: mutations of valid requests (odd methods, paths
 * and versions, header lines with bare LF or CR, broken and mismatched framing, chunked bodies with
 * junk, truncated bodies, flipped bytes), each sent to a buffered and to a streaming route. The
 * client half-closes after sending, so the server sees every request end; the parse and body
 * timeouts are lowered so that no partial request could hold a connection for long.
 *
 * <p>Every connection ends with well-formed HTTP responses, none a 500, and then a close; a new
 * connection is answered at once; and nothing is logged as an error.
 */
class RequestBytesPropertiesTest {

    /** Guards against a hung server; never a measure of speed: every try ends in milliseconds. */
    private static final int HANG_GUARD_MILLIS = 10_000;
    private static final String TARGET = "{target}";

    private Spindle app;
    private Logs logs;

    @BeforeProperty
    void start() {
        logs = Logs.mark();
        app = Spindle.create(config -> config.maxBodySize(4096).limits(Limits.defaults()
                .withRequestParseTimeout(Duration.ofMillis(200)).withBodyTimeout(Duration.ofMillis(300))));
        app.post("/buffered", ctx -> ctx.bodyBytes().length);
        app.put("/buffered", ctx -> ctx.body().length());
        app.post("/json", ctx -> ctx.bodyAs(Map.class).size());
        app.post("/stream", ctx -> ctx.bodyStream().readAllBytes().length, route -> route.streamingBody(4096));
        app.put("/stream", ctx -> ctx.bodyStream().readAllBytes().length, route -> route.streamingBody(4096));
        app.get("/ping", ctx -> "pong");
        app.start(0);
    }

    @AfterProperty
    void stopAndCheckTheLog() {
        app.stop();
        assertThat(logs.textAfterMark().lines().filter(line -> line.contains(" ERROR ")).toList())
                .as("errors logged while serving generated requests").isEmpty();
    }

    @Property
    void no_request_bytes_make_the_server_answer_500(@ForAll("requests") Request request) throws Exception {
        for (String target : List.of("/buffered", "/stream")) {
            byte[] bytes = request.bytes(target);
            List<Integer> statuses = exchange(bytes);
            assertThat(statuses).as(describe(bytes)).allMatch(status -> status < 500 || status == 501);
            statuses.forEach(status -> Statistics.label(target).collect(status));
            if (statuses.isEmpty()) {
                Statistics.label(target).collect("closed");
            }
            try (RawHttp next = RawHttp.connect(app.port())) {
                RawHttp.Response pong = next.get("/ping");
                assertThat(pong.status()).as("the next request after %s", describe(bytes)).isEqualTo(200);
                assertThat(pong.text()).isEqualTo("pong");
            }
        }
    }

    @Example
    void a_streamed_body_that_ends_early_is_a_400_problem() throws Exception {
        String answer = answer("POST /stream HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nonly a little");
        assertThat(answer).startsWith("HTTP/1.1 400 ").contains("application/problem+json")
                .contains("The request body ended early or was malformed");
    }

    @Example
    void a_streamed_body_with_malformed_chunk_trailers_is_a_400_problem_or_a_close() throws Exception {
        String answer = answer("POST /stream HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\nnot a trailer\r\n\r\n");
        // Undertow may close the connection as it fails to parse the trailers, before any answer.
        assertThat(answer).satisfiesAnyOf(
                closed -> assertThat(closed).isEmpty(),
                refused -> assertThat(refused).startsWith("HTTP/1.1 400 ")
                        .contains("The request body ended early or was malformed"));
    }

    private String answer(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(HANG_GUARD_MILLIS);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            return new String(readUntilClosed(socket.getInputStream()), StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends {@code bytes}, half-closes, and reads until the server closes. Returns the statuses of
     * the responses, which must be well-formed and complete; the connection must end with a close.
     */
    private List<Integer> exchange(byte[] bytes) throws IOException {
        byte[] received;
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(HANG_GUARD_MILLIS);
            socket.setTcpNoDelay(true);
            try {
                socket.getOutputStream().write(bytes);
                socket.shutdownOutput();
            } catch (SocketException closedEarly) {
                // The server answered and closed before reading everything: what it sent is still checked.
            }
            received = readUntilClosed(socket.getInputStream());
        }
        return responses(received, startsWith(bytes, "HEAD "), describe(bytes));
    }

    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // A reset after the server closed with unread request bytes is a close too.
        }
        return received.toByteArray();
    }

    /** Parses {@code bytes} as a sequence of complete responses and returns their statuses. */
    private static List<Integer> responses(byte[] bytes, boolean firstIsHead, String request) {
        List<Integer> statuses = new ArrayList<>();
        int at = 0;
        while (at < bytes.length) {
            int end = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), at);
            assertThat(end).as("a complete response head in %s, answering %s", text(bytes), request).isNotNegative();
            String[] lines = new String(bytes, at, end - at, StandardCharsets.ISO_8859_1).split("\r\n", -1);
            assertThat(lines[0]).as("status line, answering %s", request).matches("HTTP/[0-9]\\.[0-9] [1-5][0-9][0-9] .*");
            int status = Integer.parseInt(lines[0].substring(9, 12));
            Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                assertThat(lines[i]).as("header line, answering %s", request).matches("[!-9;-~]+:[ \\t]?[ -~\\t]*");
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon), lines[i].substring(colon + 1).trim());
            }
            at = end + 4;
            if (status >= 200) {
                statuses.add(status);
            }
            boolean bodiless = status < 200 || status == 204 || status == 304 || (firstIsHead && statuses.size() == 1);
            if (bodiless) {
                continue;
            }
            if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
                at = skipChunked(bytes, at, request);
            } else if (headers.containsKey("Content-Length")) {
                int length = Integer.parseInt(headers.get("Content-Length"));
                assertThat(bytes.length - at).as("a body of %d bytes, answering %s", length, request)
                        .isGreaterThanOrEqualTo(length);
                at += length;
            } else {
                at = bytes.length;
            }
        }
        return statuses;
    }

    private static int skipChunked(byte[] bytes, int at, String request) {
        while (true) {
            int lineEnd = indexOf(bytes, "\r\n".getBytes(StandardCharsets.US_ASCII), at);
            assertThat(lineEnd).as("a chunk size line, answering %s", request).isNotNegative();
            int size = Integer.parseInt(new String(bytes, at, lineEnd - at, StandardCharsets.ISO_8859_1), 16);
            at = lineEnd + 2 + size + 2;
            assertThat(at).as("a complete chunk, answering %s", request).isLessThanOrEqualTo(bytes.length);
            if (size == 0) {
                return at;
            }
        }
    }

    private static int indexOf(byte[] bytes, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= bytes.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static boolean startsWith(byte[] bytes, String prefix) {
        return new String(bytes, 0, Math.min(bytes.length, prefix.length()), StandardCharsets.ISO_8859_1).equals(prefix);
    }

    private static String text(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xFF;
            text.append(c == '\r' ? "\\r" : c == '\n' ? "\\n" : c >= 0x20 && c < 0x7F ? String.valueOf((char) c)
                    : "\\x" + HexFormat.of().toHexDigits((byte) c));
        }
        return text.toString();
    }

    private static String describe(byte[] bytes) {
        return "[" + text(bytes) + "]";
    }

    /**
     * A generated request: its parts before rendering, so that jqwik shrinks a failure to the
     * smallest request that still fails. {@link #bytes} renders it for one target.
     */
    record Request(String method, String path, String version, List<String> headers, String lineEnd,
                   Body body, Damage damage) {

        byte[] bytes(String target) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            write(out, method + " " + path.replace(TARGET, target) + (version.isEmpty() ? "" : " " + version) + lineEnd);
            byte[] content = body.content();
            for (String header : headers) {
                write(out, header.replace("{length}", Integer.toString(content.length)) + lineEnd);
            }
            write(out, lineEnd);
            out.writeBytes(content);
            return damage.apply(out.toByteArray());
        }

        private static void write(ByteArrayOutputStream out, String text) {
            out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return describe(bytes("/stream"));
        }
    }

    /** The bytes after the header block: raw, or chunked framing, maybe damaged. */
    record Body(byte[] content) {
    }

    /**
     * What happens to the rendered bytes: cut short at a percentage of their length (100: not cut),
     * bytes replaced at percentages of their length, a second request appended.
     */
    record Damage(int cutAtPercent, List<Tuple.Tuple2<Integer, Byte>> replacements, boolean pipelined) {

        byte[] apply(byte[] bytes) {
            byte[] damaged = bytes.clone();
            for (var replacement : replacements) {
                if (damaged.length > 0) {
                    damaged[replacement.get1() * (damaged.length - 1) / 100] = replacement.get2();
                }
            }
            if (cutAtPercent < 100) {
                damaged = java.util.Arrays.copyOf(damaged, cutAtPercent * damaged.length / 100);
            }
            if (!pipelined) {
                return damaged;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(damaged);
            out.writeBytes("GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        }
    }

    @Provide
    Arbitrary<Request> requests() {
        Arbitrary<String> method = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.of("POST", "PUT")),
                Tuple.of(2, Arbitraries.of("GET", "HEAD", "OPTIONS", "DELETE", "PATCH", "TRACE", "CONNECT", "PRI")),
                Tuple.of(1, Arbitraries.of("", "post", "P OST", "GÉT", "POST\u0000", "\r\nPOST")),
                Tuple.of(1, Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(12)));
        Arbitrary<String> path = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(TARGET)),
                Tuple.of(2, Arbitraries.of(TARGET + "?a=1&b", TARGET + "/", TARGET + "#f", "/x/.." + TARGET,
                        "/%2e%2e" + TARGET, TARGET + "%00", TARGET + "%", TARGET + "%zz", TARGET + "?" + "a&".repeat(1200),
                        "http://localhost" + TARGET, "//" + TARGET, "*", "", "/ping", "/json", "/nowhere", "/é",
                        TARGET + " " + TARGET, TARGET + "\u0000", TARGET + "\t")),
                Tuple.of(1, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20).map(s -> TARGET + s)));
        Arbitrary<String> version = Arbitraries.frequencyOf(
                Tuple.of(15, Arbitraries.just("HTTP/1.1")),
                Tuple.of(1, Arbitraries.of("HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/1", "http/1.1",
                        "HTTP/1.1 extra", "HTTP/11", "", "HTTP/1.1\u0000")));
        Arbitrary<String> lineEnd = Arbitraries.frequencyOf(
                Tuple.of(20, Arbitraries.just("\r\n")),
                Tuple.of(1, Arbitraries.of("\n", "\r", "\r\r\n", "\n\r")));
        return Combinators.combine(method, path, version, headers(), lineEnd, body(), damage())
                .as(Request::new);
    }

    /** Header lines; {@code {length}} becomes the length of the body actually sent. */
    private static Arbitrary<List<String>> headers() {
        Arbitrary<String> host = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.just("Host: localhost")),
                Tuple.of(1, Arbitraries.of("Host:", "Host: a b", "Host: localhost\r\nHost: other", "Host : x")));
        Arbitrary<String> framing = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just("Content-Length: {length}")),
                Tuple.of(4, Arbitraries.just("Transfer-Encoding: chunked")),
                Tuple.of(3, Arbitraries.of("Content-Length: 0", "Content-Length: 1", "Content-Length: 100",
                        "Content-Length: 4096", "Content-Length: 4097", "Content-Length: 99999999999999999999",
                        "Content-Length: -1", "Content-Length: abc", "Content-Length: 5, 5", "Content-Length: 0x10",
                        "Content-Length: {length}\r\nContent-Length: {length}",
                        "Content-Length: {length}\r\nContent-Length: 7",
                        "Content-Length: +{length}", "Content-Length:  {length} ", "Transfer-Encoding: Chunked",
                        "Transfer-Encoding: gzip", "Transfer-Encoding: chunked, identity",
                        "Transfer-Encoding: gzip, chunked",
                        "Transfer-Encoding: identity", "Transfer-Encoding:chunked", "Transfer-Encoding: xchunked",
                        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
                        "Transfer-Encoding: chunked\r\nContent-Length: {length}", "")));
        Arbitrary<String> other = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of("Content-Type: application/json", "Content-Type: text/plain",
                        "Content-Type: application/x-www-form-urlencoded", "Content-Type: multipart/form-data; boundary=b",
                        "Content-Type: multipart/form-data", "Expect: 100-continue", "Expect: 200-ok", "Connection: close",
                        "Connection: keep-alive", "Connection: Upgrade\r\nUpgrade: websocket", "Upgrade: h2c",
                        "Cookie: a=b; c", "X-Request-Id: fuzz", "Accept: */*", "Range: bytes=0-1")),
                Tuple.of(1, Arbitraries.of("NoColon", " folded: line", "\tfolded", ":empty-name", "Bad Name: x",
                        "X-Ctl: a\u0000b", "X-É: é", "X-Request-Id: \u007f", "Cookie: " + "k=v; ".repeat(150),
                        "X-Long: " + "a".repeat(5000), "X-Many: 1\r\n".repeat(120).strip())));
        return Combinators.combine(host, framing, other.list().ofMaxSize(4), Arbitraries.integers().between(0, 4))
                .as((h, f, rest, at) -> {
                    List<String> lines = new ArrayList<>(rest);
                    lines.add(Math.min(at, lines.size()), f);
                    lines.add(0, h);
                    return lines;
                });
    }

    /** Raw bytes, text, JSON-ish, or chunked framing whose pieces may be wrong. */
    private static Arbitrary<Body> body() {
        Arbitrary<byte[]> raw = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)),
                Tuple.of(3, Arbitraries.of("", "{}", "{\"a\":1}", "{\"a\":", "[1,2", "a=1&b=2", "--b\r\n\r\n--b--\r\n",
                        "x".repeat(4096), "x".repeat(4097)).map(s -> s.getBytes(StandardCharsets.UTF_8))));
        Arbitrary<String> chunk = Combinators.combine(
                Arbitraries.strings().withCharRange('a', 'z').ofMaxLength(40),
                Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("ok")),
                        Tuple.of(1, Arbitraries.of("zz", "-1", "FFFFFFFFFFFFFFFFF", "1000", "0", " 1", "1 ", "+1", ""))),
                Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just("")),
                        Tuple.of(1, Arbitraries.of(";ext=1", ";", ";a=\"b\r\n\"", " ;x"))),
                Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just("\r\n")),
                        Tuple.of(1, Arbitraries.of("\n", "\r", ""))),
                Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just("\r\n")),
                        Tuple.of(1, Arbitraries.of("\n", "", "xx\r\n", "\r\r\n"))))
                .as((data, size, extension, afterSize, afterData) ->
                        (size.equals("ok") ? Integer.toHexString(data.length()) : size)
                                + extension + afterSize + data + afterData);
        Arbitrary<String> lastChunk = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just("0\r\n\r\n")),
                Tuple.of(2, Arbitraries.of("", "0\r\n", "0\n\n", "0\r\nX-Trailer: 1\r\n\r\n", "0\r\nbad trailer\r\n\r\n",
                        "0\r\n\u00e9: x\r\n\r\n", "0\r\n: x\r\n\r\n", "00000\r\n\r\n", "0;x\r\n\r\n",
                        "0\r\n\r\nGET /ping HTTP/1.1\r\nHost: x\r\n\r\n")));
        Arbitrary<byte[]> chunked = Combinators.combine(chunk.list().ofMaxSize(4), lastChunk)
                .as((chunks, last) -> (String.join("", chunks) + last).getBytes(StandardCharsets.ISO_8859_1));
        return Arbitraries.frequencyOf(Tuple.of(1, raw), Tuple.of(1, chunked)).map(Body::new);
    }

    private static Arbitrary<Damage> damage() {
        Arbitrary<Integer> cut = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(100)),
                Tuple.of(1, Arbitraries.integers().between(0, 99)));
        Arbitrary<List<Tuple.Tuple2<Integer, Byte>>> replacements = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(List.<Tuple.Tuple2<Integer, Byte>>of())),
                Tuple.of(1, Combinators.combine(Arbitraries.integers().between(0, 100), Arbitraries.bytes())
                        .as(Tuple::of).list().ofMinSize(1).ofMaxSize(3)));
        Arbitrary<Boolean> pipelined = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.just(false)),
                Tuple.of(1, Arbitraries.just(true)));
        return Combinators.combine(cut, replacements, pipelined).as(Damage::new);
    }
}

package dev.spindle.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTP/1.1 connection over a plain socket, for requests a real client would normalise or refuse
 * to send: encoded dot segments, oversized headers, hand-written chunked bodies, pipelined requests
 * on one kept-alive connection.
 * <pre>{@code
 * try (var http = client.raw()) {
 *     http.send("GET /static/%2e%2e/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n");
 *     assertThat(http.read().status()).isEqualTo(404);
 * }
 * }</pre>
 *
 * <p>Every read has a generous socket timeout, a guard against a server that hangs: a test that
 * hits it fails with {@link java.net.SocketTimeoutException} instead of blocking the build.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Opens a connection to {@code 127.0.0.1:port}. */
    public static RawHttp connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) SpindleTest.HANG_GUARD.toMillis());
        socket.setTcpNoDelay(true);
        return new RawHttp(socket);
    }

    /** Writes {@code text} as ISO-8859-1 bytes, exactly as given. */
    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Writes {@code bytes} as given. */
    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends {@code GET path} with a Host header on this (kept-alive) connection and reads the answer. */
    public Response get(String path) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        return read();
    }

    /** Reads one response, its body framed by Content-Length, chunked encoding or the end of the stream. */
    public Response read() throws IOException {
        return read(true);
    }

    /** Reads one response to a {@code HEAD} request: status and headers only, whatever Content-Length says. */
    public Response readHead() throws IOException {
        return read(false);
    }

    /**
     * Reads what the server does with a request it should refuse: a response if it sends one,
     * or {@code null} if it closes the connection (orderly or by reset) without answering.
     */
    public Response readOrClosed() throws IOException {
        try {
            return read();
        } catch (EOFException | SocketException closed) {
            return null;
        }
    }

    /** Whether the server has closed this connection: the next read sees the end of the stream. */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    private Response read(boolean withBody) throws IOException {
        String head = readHead(in);
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status = Integer.parseInt(statusLine[1]);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).trim(), n -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        byte[] body = new byte[0];
        if (withBody && status >= 200 && status != 204 && status != 304) {
            String length = first(headers, "Content-Length");
            String encoding = first(headers, "Transfer-Encoding");
            if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                body = readChunked();
            } else if (length != null) {
                body = in.readNBytes(Integer.parseInt(length));
            } else {
                body = in.readAllBytes();
            }
        }
        return new Response(status, headers, body);
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null ? null : values.getFirst();
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                readLine(in);
                return body.toByteArray();
            }
            body.writeBytes(in.readNBytes(size));
            readLine(in);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Connection closed after " + head.size() + " bytes of a response head");
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /**
     * A response as received.
     *
     * @param headers names case-insensitive
     */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {

        /** The first value of a header, or {@code null}. */
        public String header(String name) {
            return first(headers, name);
        }

        /** The body as UTF-8 text. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }
}

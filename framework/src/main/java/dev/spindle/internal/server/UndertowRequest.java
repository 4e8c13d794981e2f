package dev.spindle.internal.server;

import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import dev.spindle.http.UploadedFile;
import dev.spindle.internal.http.ServerRequest;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.Cookie;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.MultipartParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A request as Undertow parsed it, with its body already received, or, on a streaming route, received
 * while the handler reads it ({@link StreamedBody}).
 */
final class UndertowRequest implements ServerRequest {

    /** Only for base64 / quoted-printable parts; no thread-local cache, since handler threads may be virtual. */
    private static final ByteBufferPool MULTIPART_BUFFERS = new DefaultByteBufferPool(false, 4096, 16, 0);
    /** How much of a streamed multipart body is read and parsed at a time. */
    private static final int MULTIPART_CHUNK = 16 * 1024;

    private final HttpServerExchange exchange;
    private byte[] body;
    private final StreamedBody streamed;
    private final InputStream stream;
    private Map<String, List<String>> queryParams;
    private Map<String, String> cookies;
    private Multipart multipart;

    /** A request whose body is received while the handler runs (a streaming route), up to {@code limit} bytes. IO thread. */
    static UndertowRequest streaming(HttpServerExchange exchange, long limit) {
        return new UndertowRequest(exchange, null, new StreamedBody(exchange, limit));
    }

    UndertowRequest(HttpServerExchange exchange, byte[] body) {
        this(exchange, body, null);
    }

    private UndertowRequest(HttpServerExchange exchange, byte[] body, StreamedBody streamed) {
        this.exchange = exchange;
        this.body = body;
        this.streamed = streamed;
        this.stream = streamed == null ? null : new LimitedBodyStream(streamed);
    }

    /**
     * The exchange is being answered: a streamed body stops being received, and a handler still
     * reading it gets the exception {@code reason} makes, made only for a streamed body (an exception
     * fills in its stack trace, which no request without one should pay for). Returns whether part
     * of the body is still unread on the connection. IO thread.
     */
    boolean endBody(Supplier<? extends RuntimeException> reason) {
        return streamed != null && streamed.end(reason.get());
    }

    @Override
    public String method() {
        return exchange.getRequestMethod().toString();
    }

    @Override
    public String path() {
        return exchange.getRelativePath();
    }

    @Override
    public String queryString() {
        return exchange.getQueryString();
    }

    @Override
    public Map<String, List<String>> queryParams() {
        if (queryParams == null) {
            Map<String, Deque<String>> parsed = exchange.getQueryParameters();
            Map<String, List<String>> copy = new LinkedHashMap<>(parsed.size() * 2);
            parsed.forEach((name, values) -> copy.put(name, List.copyOf(values)));
            queryParams = Collections.unmodifiableMap(copy);
        }
        return queryParams;
    }

    @Override
    public String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    @Override
    public List<String> headers(String name) {
        HeaderValues values = exchange.getRequestHeaders().get(name);
        return values == null ? List.of() : List.copyOf(values);
    }

    @Override
    public Collection<String> headerNames() {
        return exchange.getRequestHeaders().getHeaderNames().stream().map(HttpString::toString).toList();
    }

    @Override
    public Map<String, String> cookies() {
        if (cookies == null) {
            Map<String, String> parsed = new LinkedHashMap<>();
            try {
                for (Cookie cookie : exchange.requestCookies()) {
                    parsed.putIfAbsent(cookie.getName(), cookie.getValue());
                }
            } catch (IllegalStateException tooMany) {
                // Undertow parses cookies lazily and enforces MAX_COOKIES by throwing here.
                throw new HttpException(HttpStatus.BAD_REQUEST, "The request has more cookies than the server accepts");
            }
            cookies = Collections.unmodifiableMap(parsed);
        }
        return cookies;
    }

    @Override
    public byte[] body() {
        if (body == null) {
            try {
                body = stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("The request body could not be read", e);
            }
        }
        return body;
    }

    @Override
    public InputStream bodyStream() {
        return stream != null && body == null ? stream : new ByteArrayInputStream(body());
    }

    @Override
    public String scheme() {
        return exchange.getRequestScheme();
    }

    @Override
    public String host() {
        return exchange.getHostAndPort();
    }

    @Override
    public String remoteAddress() {
        var address = exchange.getSourceAddress();
        return address == null ? "" : address.getHostString() + ":" + address.getPort();
    }

    @Override
    public Multipart multipart() {
        if (multipart == null) {
            multipart = parseMultipart();
        }
        return multipart;
    }

    private Multipart parseMultipart() {
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        String boundary = contentType == null ? null : Headers.extractQuotedValueFromHeader(contentType, "boundary");
        if (boundary == null) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "A multipart/form-data body needs a boundary parameter");
        }
        PartCollector collector = new PartCollector();
        MultipartParser.ParseState state = MultipartParser.beginParse(MULTIPART_BUFFERS, collector,
                boundary.getBytes(StandardCharsets.US_ASCII), StandardCharsets.UTF_8.name());
        if (body != null) {
            parse(state, ByteBuffer.wrap(body));
        } else {
            parseAsItArrives(state);
        }
        if (!state.isComplete()) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "Malformed multipart body: it ends before its closing boundary");
        }
        return new Multipart(collector.fields, collector.files);
    }

    /**
     * A streaming route's multipart body, parsed as it arrives: only the parts are held, never the
     * whole body, and the route's limit bounds them (past it the stream throws a 413).
     */
    private void parseAsItArrives(MultipartParser.ParseState state) {
        byte[] chunk = new byte[MULTIPART_CHUNK];
        while (true) {
            int read;
            try {
                read = stream.read(chunk);
            } catch (IOException e) {
                throw new UncheckedIOException("The request body could not be read", e);
            }
            if (read < 0) {
                return;
            }
            parse(state, ByteBuffer.wrap(chunk, 0, read));
        }
    }

    private static void parse(MultipartParser.ParseState state, ByteBuffer data) {
        try {
            state.parse(data);
        } catch (IOException | RuntimeException e) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "Malformed multipart body");
        }
    }

    /** Collects parts into fields and files as the parser reports them. */
    private static final class PartCollector implements MultipartParser.PartHandler {
        final Map<String, List<String>> fields = new LinkedHashMap<>();
        final Map<String, List<UploadedFile>> files = new LinkedHashMap<>();
        private HeaderMap headers;
        private ByteArrayOutputStream content;

        @Override
        public void beginPart(HeaderMap partHeaders) {
            headers = partHeaders;
            content = new ByteArrayOutputStream();
        }

        @Override
        public void data(ByteBuffer buffer) {
            byte[] chunk = new byte[buffer.remaining()];
            buffer.get(chunk);
            content.writeBytes(chunk);
        }

        @Override
        public void endPart() {
            String disposition = headers.getFirst(Headers.CONTENT_DISPOSITION);
            String name = disposition == null ? null : Headers.extractQuotedValueFromHeader(disposition, "name");
            if (name == null) {
                return;
            }
            String filename = Headers.extractQuotedValueFromHeader(disposition, "filename");
            if (filename == null) {
                fields.computeIfAbsent(name, n -> new ArrayList<>(1)).add(content.toString(StandardCharsets.UTF_8));
            } else {
                String type = headers.getFirst(Headers.CONTENT_TYPE);
                files.computeIfAbsent(name, n -> new ArrayList<>(1)).add(new UploadedFile(name, filename,
                        type == null ? "application/octet-stream" : type, content.toByteArray()));
            }
        }
    }
}

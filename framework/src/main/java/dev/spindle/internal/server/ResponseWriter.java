package dev.spindle.internal.server;

import dev.spindle.http.Cookie;
import dev.spindle.internal.http.Response;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.CookieImpl;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.ByteBuffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

/**
 * Copies a finished {@link Response} onto the exchange and sends it with the non-blocking
 * sender. Called on the exchange's IO thread only, so handler threads never touch the socket (and
 * never take buffers from Undertow's per-thread buffer caches).
 */
final class ResponseWriter {

    private static final Logger log = LoggerFactory.getLogger(ResponseWriter.class);
    private static final HttpString NOSNIFF = HttpString.tryFromString("X-Content-Type-Options");

    private ResponseWriter() {
    }

    /**
     * Writes {@code response}, with the request id in {@code X-Request-Id}. Never throws: if Undertow
     * refuses part of the response, the client gets a bare 500, or a closed connection if even that
     * fails, never a request left hanging. An event stream it starts is registered with {@code streams}.
     */
    static void write(HttpServerExchange exchange, String requestId, Response response, OpenStreams streams) {
        try {
            send(exchange, requestId, response, streams);
        } catch (RuntimeException e) {
            log.error("The response to request {} could not be written; answering 500", requestId, e);
            fail(exchange);
        }
    }

    private static void fail(HttpServerExchange exchange) {
        try {
            if (!exchange.isResponseStarted()) {
                exchange.getResponseHeaders().clear();
                exchange.setStatusCode(500);
                exchange.setPersistent(false);
                exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, 0);
                exchange.endExchange();
                return;
            }
        } catch (RuntimeException again) {
            log.debug("Answering 500 failed too; closing the connection", again);
        }
        IoUtils.safeClose(exchange.getConnection());
    }

    private static void send(HttpServerExchange exchange, String requestId, Response response, OpenStreams streams) {
        if (exchange.isResponseStarted()) {
            return;
        }
        int status = response.status();
        writeHead(exchange, requestId, response);
        HeaderMap headers = exchange.getResponseHeaders();
        if (response.eventStream() != null) {
            EventStreamResponse.start(exchange, response.eventStream(), streams);
            return;
        }
        byte[] body = response.body();
        if (body == null || body.length == 0) {
            if (status != 204 && status != 304 && status >= 200) {
                headers.put(Headers.CONTENT_LENGTH, 0);
            }
            exchange.endExchange();
            return;
        }
        if (!headers.contains(NOSNIFF)) {
            headers.put(NOSNIFF, "nosniff"); // a browser must not guess HTML into a body Spindle typed otherwise
        }
        if (response.contentType() == null) {
            headers.put(Headers.CONTENT_TYPE, "application/octet-stream");
        }
        headers.put(Headers.CONTENT_LENGTH, body.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(body));
    }

    /** Copies {@code response}'s status, headers and cookies onto the exchange, with the request id. */
    static void writeHead(HttpServerExchange exchange, String requestId, Response response) {
        exchange.setStatusCode(response.status());
        HeaderMap headers = exchange.getResponseHeaders();
        if (response.contentType() != null) {
            headers.put(Headers.CONTENT_TYPE, response.contentType());
        }
        for (int i = 0; i < response.headerCount(); i++) {
            headers.add(HttpString.tryFromString(response.headerName(i)), response.headerValue(i));
        }
        headers.put(RequestIds.HEADER, requestId);
        List<Cookie> cookies = response.cookies();
        for (int i = 0; i < cookies.size(); i++) {
            exchange.setResponseCookie(toUndertow(cookies.get(i)));
        }
    }

    private static CookieImpl toUndertow(Cookie cookie) {
        CookieImpl result = new CookieImpl(cookie.name(), cookie.value());
        result.setPath(cookie.path());
        result.setDomain(cookie.domain());
        if (cookie.maxAge() != null) {
            result.setMaxAge((int) Math.min(Integer.MAX_VALUE, cookie.maxAge().toSeconds()));
        }
        result.setSecure(cookie.secure());
        result.setHttpOnly(cookie.httpOnly());
        if (cookie.sameSite() != null) {
            result.setSameSiteMode(cookie.sameSite());
        }
        return result;
    }
}

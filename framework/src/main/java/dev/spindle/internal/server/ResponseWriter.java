package dev.spindle.internal.server;

import dev.spindle.http.Context;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.CookieImpl;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

/**
 * Copies a finished {@link Context} response onto the exchange and sends it with the non-blocking
 * sender. Called on the exchange's IO thread only, so handler threads never touch the socket (and
 * never take buffers from Undertow's per-thread buffer caches).
 */
final class ResponseWriter {

    private static final Logger log = LoggerFactory.getLogger(ResponseWriter.class);

    private ResponseWriter() {
    }

    /**
     * Writes {@code ctx}'s response. Never throws: if Undertow refuses part of the response, the
     * client gets a bare 500, or a closed connection if even that fails, never a request left hanging.
     */
    static void write(HttpServerExchange exchange, Context ctx) {
        try {
            send(exchange, ctx);
        } catch (RuntimeException e) {
            log.error("The response to request {} could not be written; answering 500", ctx.requestId(), e);
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

    private static void send(HttpServerExchange exchange, Context ctx) {
        if (exchange.isResponseStarted()) {
            return;
        }
        writeHead(exchange, ctx);
        HeaderMap headers = exchange.getResponseHeaders();
        if (ctx.eventStream() != null) {
            EventStreamResponse.start(exchange, ctx.eventStream());
            return;
        }
        byte[] body = ctx.responseBody();
        if (body == null || body.length == 0) {
            if (ctx.status() != 204 && ctx.status() != 304 && ctx.status() >= 200) {
                headers.put(Headers.CONTENT_LENGTH, 0);
            }
            exchange.endExchange();
            return;
        }
        if (!headers.contains(Headers.CONTENT_TYPE)) {
            headers.put(Headers.CONTENT_TYPE, "application/octet-stream");
        }
        headers.put(Headers.CONTENT_LENGTH, body.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(body));
    }

    /** Copies {@code ctx}'s status, headers and cookies onto the exchange, with the request id. */
    static void writeHead(HttpServerExchange exchange, Context ctx) {
        exchange.setStatusCode(ctx.status());
        HeaderMap headers = exchange.getResponseHeaders();
        for (Map.Entry<String, List<String>> header : ctx.responseHeaders().entrySet()) {
            headers.putAll(HttpString.tryFromString(header.getKey()), header.getValue());
        }
        headers.put(RequestIds.HEADER, ctx.requestId());
        for (dev.spindle.http.Cookie cookie : ctx.responseCookies()) {
            exchange.setResponseCookie(toUndertow(cookie));
        }
    }

    private static CookieImpl toUndertow(dev.spindle.http.Cookie cookie) {
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

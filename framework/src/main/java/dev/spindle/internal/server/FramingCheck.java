package dev.spindle.internal.server;

import dev.spindle.http.HttpStatus;
import dev.spindle.http.Problem;
import dev.spindle.json.JsonMapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * The first handler of every request, before WebSocket upgrades, static files and routes: refuses a
 * {@code Transfer-Encoding} other than one {@code chunked} token and closes the connection, so a
 * body is never framed in a way the server and a proxy in front of it could read differently.
 *
 * <p>Undertow decodes any transfer coding as chunked: {@code Transfer-Encoding: gzip} followed by a
 * chunked body and a second request hidden after its last chunk had both answered (request
 * smuggling, RFC 9112 §6.1 and §6.3). An unknown coding gets 501, a known one Spindle does not decode
 * ({@code gzip, chunked}, {@code identity}) gets 400 with the same effect: nothing after the headers
 * is read.
 *
 * <p><b>Threading:</b> runs on the IO thread and never blocks.
 */
final class FramingCheck implements HttpHandler {

    /** The codings of the HTTP Transfer Coding Registry: refused with 400, anything else with 501. */
    private static final Set<String> KNOWN = Set.of("chunked", "compress", "deflate", "gzip",
            "identity", "trailers", "x-compress", "x-gzip");

    private final HttpHandler next;
    private final JsonMapper json;

    FramingCheck(HttpHandler next, JsonMapper json) {
        this.next = next;
        this.json = json;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        HeaderValues codings = exchange.getRequestHeaders().get(Headers.TRANSFER_ENCODING);
        if (codings == null || (codings.size() == 1 && codings.getFirst().trim().equalsIgnoreCase("chunked"))) {
            next.handleRequest(exchange);
            return;
        }
        boolean unknown = codings.stream().flatMap(value -> Arrays.stream(value.split(",")))
                .map(coding -> coding.trim().toLowerCase(Locale.ROOT))
                .anyMatch(coding -> !KNOWN.contains(coding));
        int status = unknown ? HttpStatus.NOT_IMPLEMENTED : HttpStatus.BAD_REQUEST;
        String detail = unknown
                ? "Transfer-Encoding " + codings + " is not supported; send the body with Content-Length or chunked"
                : "Transfer-Encoding " + codings + " is not accepted: only a single 'chunked' coding is";
        exchange.setPersistent(false);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, Problem.MEDIA_TYPE);
        exchange.getResponseHeaders().put(Headers.CONNECTION, "close");
        byte[] body = json.write(Problem.of(status, detail));
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(body));
    }

}

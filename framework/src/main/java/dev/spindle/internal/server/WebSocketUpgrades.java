package dev.spindle.internal.server;

import dev.spindle.internal.http.Response;
import dev.spindle.internal.routing.Route;
import dev.spindle.internal.routing.RouteMatch;
import dev.spindle.internal.routing.Router;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

/**
 * The handshakes of an app's WebSocket routes: Undertow's handshake handler for each, wired to the
 * route's {@link dev.spindle.http.WebSocketHandler}. An upgrade request runs its route's pipeline
 * like any request; only when the pipeline accepted it (status 101) does the handshake run here.
 * Called on the IO thread only.
 */
final class WebSocketUpgrades {

    private static final Logger log = LoggerFactory.getLogger(WebSocketUpgrades.class);

    /** The matched route's path parameters, for the session to read. */
    static final AttachmentKey<Map<String, Object>> PATH_PARAMS = AttachmentKey.create(Map.class);
    /** The session's place in the in-flight count, taken while its upgrade request is still in flight. */
    static final AttachmentKey<Counted> COUNTED = AttachmentKey.create(Counted.class);

    private final Map<Route, HttpHandler> handshakes;
    private final InFlightRequests inFlight;

    WebSocketUpgrades(Router router, InFlightRequests inFlight, OpenStreams streams) {
        this.inFlight = inFlight;
        Map<Route, HttpHandler> byRoute = new HashMap<>();
        for (Route route : router.routes()) {
            if (route.webSocket() != null) {
                byRoute.put(route, new WebSocketProtocolHandshakeHandler(
                        new UndertowWebSocketSession.Callback(route.webSocket(), streams), WebSocketUpgrades::refuse));
            }
        }
        this.handshakes = Map.copyOf(byRoute);
    }

    /**
     * A session counted as in flight, so that {@code stop()} waits for it to close. Counted before the
     * handshake, while the upgrade request itself still counts, so there is no moment between the two
     * when a stop could find nothing in flight; ended once, when the session closes, or as the upgrade
     * request ends if no session came of it (handshake refused, connection lost). Undertow opens the
     * session inside the upgrade request's completion, so after that completion has gone on, either
     * the session is connected or it never will be.
     */
    static final class Counted {
        private final InFlightRequests inFlight;
        private final AtomicBoolean ended = new AtomicBoolean();
        private volatile boolean connected;

        Counted(InFlightRequests inFlight) {
            this.inFlight = inFlight;
            inFlight.begin();
        }

        void connected() {
            connected = true;
        }

        void endUnlessConnected() {
            if (!connected) {
                end();
            }
        }

        void end() {
            if (ended.compareAndSet(false, true)) {
                inFlight.end();
            }
        }
    }

    /** Whether the request asks to become a WebSocket ({@code Upgrade: websocket}). */
    static boolean requested(HttpServerExchange exchange) {
        String upgrade = exchange.getRequestHeaders().getFirst(Headers.UPGRADE);
        return upgrade != null && upgrade.equalsIgnoreCase("websocket");
    }

    /**
     * Answers the upgrade request of {@code match}'s WebSocket route, which its pipeline accepted,
     * with the handshake: the headers and cookies the after hooks set on {@code response} go with the
     * {@code 101}, and the connection then belongs to the route's handler. Never throws: a handshake
     * Undertow cannot perform closes the connection.
     */
    void accept(HttpServerExchange exchange, RouteMatch match, String requestId, Response response) {
        exchange.putAttachment(PATH_PARAMS, match.params());
        Counted counted = new Counted(inFlight);
        exchange.putAttachment(COUNTED, counted);
        exchange.addExchangeCompleteListener((done, next) -> {
            next.proceed();
            counted.endUnlessConnected();
        });
        try {
            ResponseWriter.writeHead(exchange, requestId, response);
            handshakes.get(match.route()).handleRequest(exchange);
        } catch (Exception e) {
            log.error("The WebSocket handshake of {} failed (request {}); closing the connection", match.route(),
                    requestId, e);
            IoUtils.safeClose(exchange.getConnection());
        }
    }

    /** An upgrade request without a WebSocket version and key Undertow supports: 400, and no socket. */
    private static void refuse(HttpServerExchange exchange) {
        String requestId = exchange.getResponseHeaders().getFirst(RequestIds.HEADER);
        exchange.getResponseHeaders().clear();
        exchange.getResponseHeaders().put(RequestIds.HEADER, requestId);
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, 0);
        exchange.setStatusCode(400);
        exchange.setPersistent(false);
        exchange.endExchange();
    }
}

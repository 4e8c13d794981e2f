package dev.spindle.internal.server;

import dev.spindle.http.WebSocketHandler;
import dev.spindle.internal.routing.Group;
import dev.spindle.internal.routing.RouteMatch;
import dev.spindle.internal.routing.Router;
import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.threading.ThreadingMode;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Sends WebSocket upgrade requests whose path matches an {@code app.ws(...)} template to Undertow's
 * handshake; every other request goes on to the HTTP routes. Templates are matched by a
 * {@link Router} of their own, so they use the same converters as HTTP routes.
 */
final class WebSocketRoutes implements HttpHandler {

    static final AttachmentKey<Map<String, Object>> PATH_PARAMS = AttachmentKey.create(Map.class);

    private final Router router;
    private final Map<String, HttpHandler> handshakes;
    private final HttpHandler next;
    private final BooleanSupplier stopping;

    private WebSocketRoutes(Router router, Map<String, HttpHandler> handshakes, HttpHandler next,
                            BooleanSupplier stopping) {
        this.router = router;
        this.handshakes = handshakes;
        this.next = next;
        this.stopping = stopping;
    }

    /**
     * {@code next} alone if there are no WebSocket routes. While {@code stopping}, upgrades are not
     * accepted: they go on to {@code next}, which answers 503.
     */
    static HttpHandler wrap(Map<String, WebSocketHandler> routes, HttpHandler next, BooleanSupplier stopping) {
        if (routes.isEmpty()) {
            return next;
        }
        Group group = Group.root(() -> false);
        Map<String, HttpHandler> handshakes = new HashMap<>();
        routes.forEach((template, handler) -> {
            group.get(template, ctx -> null);
            handshakes.put(template, new WebSocketProtocolHandshakeHandler(new UndertowWebSocketSession.Callback(handler)));
        });
        // Matching only: a non-blocking dispatcher creates no thread and is never used.
        Router router = Router.compile(group, ThreadingMode.nonBlocking(), null, Dispatchers::create);
        return new WebSocketRoutes(router, Map.copyOf(handshakes), next, stopping);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String upgrade = exchange.getRequestHeaders().getFirst(Headers.UPGRADE);
        if (upgrade != null && upgrade.equalsIgnoreCase("websocket") && exchange.getRequestMethod().equals(Methods.GET)
                && !stopping.getAsBoolean()) {
            RouteMatch match = router.match("GET", exchange.getRelativePath());
            HttpHandler handshake = handshakes.get(match.route().uri());
            if (handshake != null && match.route().method().equals("GET")) {
                exchange.putAttachment(PATH_PARAMS, match.params());
                handshake.handleRequest(exchange);
                return;
            }
        }
        next.handleRequest(exchange);
    }
}

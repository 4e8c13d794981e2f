package dev.spindle.internal.routing;

import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Matches method and path to a compiled {@link Route}. Routes live in a segment tree; at each
 * segment a literal beats a parameter, and parameters try their converters from the most specific
 * ({@code int}, {@code float}, {@code uuid}) to the least ({@code string}, then {@code path}).
 *
 * <p>Trailing slashes follow Flask: a route declared as {@code /docs/} also answers {@code /docs}
 * with a 308 redirect to {@code /docs/}; a route declared as {@code /docs} does not answer {@code /docs/} (404).
 *
 * <p><b>Threading:</b> built once at start, then read-only and safe for concurrent matching on IO threads.
 */
public final class Router {

    static final String NOT_FOUND = "NOT_FOUND";
    static final String REDIRECTION = "REDIRECTION";

    private final Node root = new Node();
    private final Map<String, Route> named = new HashMap<>();
    private final List<Route> routes = new ArrayList<>();
    private final List<Dispatcher> dispatchers = new ArrayList<>();
    private final Route fallback;
    private Dispatcher io;

    private Router(Route fallback) {
        this.fallback = fallback;
    }

    /**
     * Compiles every route declared under {@code app}: resolves each route's threading mode and
     * timeout (route, then innermost group, then app), creates one dispatcher for the app and one for
     * each route or group that declares its own mode, and rejects ambiguous routes.
     *
     * @param dispatcherFactory creates a dispatcher for a mode and a name ({@code app}, a route or group prefix)
     * @throws IllegalStateException naming both routes, if two routes would answer the same requests
     */
    public static Router compile(Group app, ThreadingMode appMode, Duration appTimeout,
                                 BiFunction<ThreadingMode, String, Dispatcher> dispatcherFactory) {
        Dispatcher appDispatcher = dispatcherFactory.apply(appMode, "app");
        Route fallback = new Route("*", PathTemplate.parse("/"), ctx -> null, null, List.of(app.scope),
                appDispatcher, appTimeout, NOT_FOUND, -1, null);
        Router router = new Router(fallback);
        router.dispatchers.add(appDispatcher);
        try {
            router.add(app, new ArrayList<>(), appDispatcher, appTimeout, dispatcherFactory);
        } catch (RuntimeException e) {
            router.dispatchers.forEach(Dispatcher::shutdownNow);
            throw e;
        }
        return router;
    }

    private void add(Group group, List<Scope> outer, Dispatcher inherited, Duration inheritedTimeout,
                     BiFunction<ThreadingMode, String, Dispatcher> dispatcherFactory) {
        List<Scope> scopes = new ArrayList<>(outer.size() + 1);
        scopes.add(group.scope);
        scopes.addAll(outer);
        List<Scope> chain = List.copyOf(scopes);
        Dispatcher groupDispatcher = inherited;
        if (group.threading != null && group.parent != null) {
            groupDispatcher = dispatcherFactory.apply(group.threading, group.prefix());
            dispatchers.add(groupDispatcher);
        }
        Duration groupTimeout = group.timeout != null ? group.timeout : inheritedTimeout;
        for (Group.Declared declared : group.routes) {
            String full = group.prefix() + declared.template();
            Options options = declared.options();
            Dispatcher dispatcher = groupDispatcher;
            if (options.streamingBodyLimit >= 0 && options.threading instanceof ThreadingMode.NonBlocking) {
                throw new IllegalStateException("Route " + declared.method() + " " + full
                        + " reads its body as it arrives, which blocks: it cannot also be non-blocking");
            }
            if (options.threading instanceof ThreadingMode.NonBlocking) {
                dispatcher = ioDispatcher(dispatcherFactory);
            } else if (options.threading != null) {
                dispatcher = dispatcherFactory.apply(options.threading, full);
                dispatchers.add(dispatcher);
            }
            Duration timeout = options.timeout != null ? options.timeout : groupTimeout;
            PathTemplate template = PathTemplate.parse(full);
            Route route = new Route(declared.method(), template, declared.handler(), options.name, chain,
                    dispatcher, timeout, full, options.streamingBodyLimit, declared.webSocket());
            insert(route);
        }
        for (Group child : group.children) {
            add(child, chain, groupDispatcher, groupTimeout, dispatcherFactory);
        }
    }

    /** Non-blocking routes share one dispatcher: there is no executor to isolate, only the IO threads. */
    private Dispatcher ioDispatcher(BiFunction<ThreadingMode, String, Dispatcher> dispatcherFactory) {
        if (io == null) {
            io = dispatcherFactory.apply(ThreadingMode.nonBlocking(), "io");
            dispatchers.add(io);
        }
        return io;
    }

    private void insert(Route route) {
        Node node = root;
        for (PathTemplate.Segment segment : route.template().segments()) {
            node = segment.isParameter()
                    ? node.params.computeIfAbsent(segment.converter(), c -> new Node())
                    : node.literals.computeIfAbsent(segment.literal(), l -> new Node());
        }
        Route existing;
        if (route.webSocket() != null) {
            existing = node.webSocket;
            node.webSocket = existing == null ? route : existing;
        } else {
            existing = node.routes.putIfAbsent(route.method(), route);
        }
        if (existing != null) {
            throw new IllegalStateException("Ambiguous routes: " + existing + " and " + route
                    + " match the same requests; rename a parameter's converter or a literal segment");
        }
        if (route.name() != null) {
            Route sameName = named.putIfAbsent(route.name(), route);
            if (sameName != null) {
                throw new IllegalStateException("Two routes are named '" + route.name() + "': " + sameName + " and " + route);
            }
        }
        routes.add(route);
    }

    /** Every dispatcher the app's routes use, the app's own first. */
    public List<Dispatcher> dispatchers() {
        return Collections.unmodifiableList(dispatchers);
    }

    /** Every declared route, in declaration order. */
    public List<Route> routes() {
        return Collections.unmodifiableList(routes);
    }

    /** The route named {@code name}, for reverse routing. */
    public Route named(String name) {
        Route route = named.get(name);
        if (route == null) {
            throw new IllegalArgumentException("No route is named '" + name + "'; known names: " + new TreeSet<>(named.keySet()));
        }
        return route;
    }

    /**
     * Reverse routing, Flask's {@code url_for}: the path of the route named {@code name} with
     * {@code params} filling its parameters (percent-encoded); the other entries become the query
     * string, in the map's iteration order.
     *
     * @throws IllegalArgumentException for an unknown name, or a missing, non-converting or
     *         unsendable parameter (see {@link PathTemplate#expand})
     */
    public String url(String name, Map<String, ?> params) {
        PathTemplate template = named(name).template();
        StringBuilder url = new StringBuilder(template.expand(params));
        char separator = '?';
        for (Map.Entry<String, ?> param : params.entrySet()) {
            if (!template.parameterNames().contains(param.getKey())) {
                url.append(separator).append(PercentEncoding.encodeQuery(param.getKey()))
                        .append('=').append(PercentEncoding.encodeQuery(String.valueOf(param.getValue())));
                separator = '&';
            }
        }
        return url.toString();
    }

    /** Finds the HTTP route for a request; see {@link RouteMatch} for requests no declared route answers. */
    public RouteMatch match(String method, String path) {
        return match(method, path, false);
    }

    /**
     * Finds the route for a request. A WebSocket upgrade request ({@code GET} with
     * {@code Upgrade: websocket}) goes to the WebSocket route of its path if there is one, and like
     * any other request to the HTTP routes if not; see {@link RouteMatch} for requests no declared
     * route answers.
     */
    public RouteMatch match(String method, String path, boolean webSocketUpgrade) {
        String relative = path.startsWith("/") ? path.substring(1) : path;
        String[] segments = relative.split("/", -1);
        List<Object> values = new ArrayList<>(4);
        if (webSocketUpgrade && method.equals("GET")) {
            Node node = find(root, segments, 0, values, candidate -> candidate.webSocket != null);
            if (node != null) {
                return matched(node.webSocket, values);
            }
        }
        Node node = find(root, segments, 0, values, candidate -> candidate.answers(method));
        if (node == null) {
            values.clear();
            node = find(root, segments, 0, values, Node::hasHttpRoutes);
        }
        if (node == null) {
            if (!path.endsWith("/") && find(root, (relative + "/").split("/", -1), 0, new ArrayList<>(),
                    Node::hasHttpRoutes) != null) {
                String location = PercentEncoding.encodePath(path) + "/";
                return new RouteMatch(fallback.withHandler(REDIRECTION, ctx -> {
                    String query = ctx.queryString();
                    ctx.redirect(query.isEmpty() ? location : location + "?" + query, HttpStatus.PERMANENT_REDIRECT);
                    return null;
                }), Map.of());
            }
            return new RouteMatch(fallback.withHandler(NOT_FOUND, ctx -> {
                throw new HttpException(HttpStatus.NOT_FOUND, "No route matches " + ctx.method() + " " + ctx.path());
            }), Map.of());
        }
        Route route = node.routes.get(method);
        if (route == null && method.equals("HEAD")) {
            route = node.routes.get("GET");
        }
        if (route == null) {
            String allow = String.join(", ", node.allowedMethods());
            String uri = node.routes.values().iterator().next().uri();
            if (method.equals("OPTIONS")) {
                return new RouteMatch(fallback.withHandler(uri, ctx -> {
                    ctx.status(HttpStatus.NO_CONTENT).header("Allow", allow);
                    return null;
                }), Map.of());
            }
            return new RouteMatch(fallback.withHandler(uri, ctx -> {
                throw new HttpException(HttpStatus.METHOD_NOT_ALLOWED,
                        "Method " + ctx.method() + " is not allowed for " + ctx.path() + "; allowed: " + allow,
                        Map.of("Allow", allow));
            }), Map.of());
        }
        return matched(route, values);
    }

    private static RouteMatch matched(Route route, List<Object> values) {
        List<String> names = route.template().parameterNames();
        Map<String, Object> params = names.isEmpty() ? Map.of() : new LinkedHashMap<>(names.size() * 2);
        for (int i = 0; i < names.size(); i++) {
            params.put(names.get(i), values.get(i));
        }
        return new RouteMatch(route, params);
    }

    /**
     * Depth-first search, literals before parameters, for a node that {@code accepts} the request:
     * first for one that answers the request's method (so {@code GET /users/new} reaches
     * {@code GET /users/{name}} even when only {@code POST /users/new} is literal), then for any
     * with HTTP routes, to answer 405 with the methods it has.
     */
    private static Node find(Node node, String[] segments, int index, List<Object> values, Predicate<Node> accepts) {
        if (index == segments.length) {
            return accepts.test(node) ? node : null;
        }
        String segment = segments[index];
        Node literal = node.literals.get(segment);
        if (literal != null) {
            Node found = find(literal, segments, index + 1, values, accepts);
            if (found != null) {
                return found;
            }
        }
        for (Map.Entry<PathTemplate.Converter, Node> entry : node.params.entrySet()) {
            PathTemplate.Converter converter = entry.getKey();
            if (converter == PathTemplate.Converter.PATH) {
                Object rest = converter.convert(String.join("/", java.util.Arrays.copyOfRange(segments, index, segments.length)));
                Node tail = entry.getValue();
                if (rest != null && accepts.test(tail)) {
                    values.add(rest);
                    return tail;
                }
                continue;
            }
            Object value = converter.convert(segment);
            if (value != null) {
                values.add(value);
                Node found = find(entry.getValue(), segments, index + 1, values, accepts);
                if (found != null) {
                    return found;
                }
                values.removeLast();
            }
        }
        return null;
    }

    /** One path segment position in the tree. */
    private static final class Node {
        final Map<String, Node> literals = new HashMap<>();
        final Map<PathTemplate.Converter, Node> params = new java.util.EnumMap<>(PathTemplate.Converter.class);
        final Map<String, Route> routes = new LinkedHashMap<>();
        Route webSocket;

        boolean hasHttpRoutes() {
            return !routes.isEmpty();
        }

        boolean answers(String method) {
            return routes.containsKey(method) || (method.equals("HEAD") && routes.containsKey("GET"));
        }

        List<String> allowedMethods() {
            TreeSet<String> allowed = new TreeSet<>(routes.keySet());
            if (allowed.contains("GET")) {
                allowed.add("HEAD");
            }
            allowed.add("OPTIONS");
            return List.copyOf(allowed);
        }
    }
}

package dev.spindle.internal.routing;

import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;

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

    /** What a node must have to end a search: a WebSocket route, a route for the method, any HTTP route. */
    private static final int WEBSOCKET = 0;
    private static final int METHOD = 1;
    private static final int ANY_HTTP = 2;
    private static final Object[] NO_VALUES = new Object[0];

    private final Node root = new Node();
    private final Map<String, Route> named = new HashMap<>();
    private final List<Route> routes = new ArrayList<>();
    private final List<Dispatcher> dispatchers = new ArrayList<>();
    private final Route fallback;
    private final RouteMatch notFound;
    /** The most parameters any route has: the size of the values array a match fills. */
    private int maxParams;
    private Dispatcher io;

    private Router(Route fallback) {
        this.fallback = fallback;
        this.notFound = new RouteMatch(fallback.withHandler(NOT_FOUND, ctx -> {
            throw new HttpException(HttpStatus.NOT_FOUND, "No route matches " + ctx.method() + " " + ctx.path());
        }), Map.of());
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
            router.root.seal();
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
        maxParams = Math.max(maxParams, route.template().names().length);
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
        int start = path.startsWith("/") ? 1 : 0;
        Object[] values = maxParams == 0 ? NO_VALUES : new Object[maxParams];
        if (webSocketUpgrade && method.equals("GET")) {
            Node node = find(root, path, start, values, 0, WEBSOCKET, method);
            if (node != null) {
                return matched(node.webSocket, values);
            }
        }
        Node node = find(root, path, start, values, 0, METHOD, method);
        if (node == null) {
            node = find(root, path, start, values, 0, ANY_HTTP, method);
        }
        if (node == null) {
            if (!path.endsWith("/") && find(root, path + "/", start, values, 0, ANY_HTTP, method) != null) {
                String location = PercentEncoding.encodePath(path) + "/";
                return new RouteMatch(fallback.withHandler(REDIRECTION, ctx -> {
                    String query = ctx.queryString();
                    ctx.redirect(query.isEmpty() ? location : location + "?" + query, HttpStatus.PERMANENT_REDIRECT);
                    return null;
                }), Map.of());
            }
            return notFound;
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

    /** The route with its parameters, named in template order: an unmodifiable map, shared when empty. */
    private static RouteMatch matched(Route route, Object[] values) {
        String[] names = route.template().names();
        return switch (names.length) {
            case 0 -> route.matchedWithoutParams();
            case 1 -> new RouteMatch(route, Map.of(names[0], values[0]));
            default -> {
                Map<String, Object> params = new LinkedHashMap<>(names.length * 2);
                for (int i = 0; i < names.length; i++) {
                    params.put(names[i], values[i]);
                }
                yield new RouteMatch(route, Collections.unmodifiableMap(params));
            }
        };
    }

    /**
     * Depth-first search, literals before parameters, for a node that accepts the request ({@code want}):
     * first for one that answers the request's method (so {@code GET /users/new} reaches
     * {@code GET /users/{name}} even when only {@code POST /users/new} is literal), then for any
     * with HTTP routes, to answer 405 with the methods it has. Segments are read off {@code path} by
     * index, from {@code start} to the next {@code /}; only a segment a parameter converts becomes a
     * string. A match leaves its parameter values in {@code values}, from index {@code count} on.
     */
    private static Node find(Node node, String path, int start, Object[] values, int count, int want, String method) {
        if (start > path.length()) {
            return node.accepts(want, method) ? node : null;
        }
        int end = path.indexOf('/', start);
        if (end < 0) {
            end = path.length();
        }
        Node literal = node.literal(path, start, end);
        if (literal != null) {
            Node found = find(literal, path, end + 1, values, count, want, method);
            if (found != null) {
                return found;
            }
        }
        String segment = null;
        for (int i = 0; i < node.converters.length; i++) {
            PathTemplate.Converter converter = node.converters[i];
            Node child = node.paramChildren[i];
            if (converter == PathTemplate.Converter.PATH) {
                Object rest = converter.convert(path.substring(start));
                if (rest != null && child.accepts(want, method)) {
                    values[count] = rest;
                    return child;
                }
                continue;
            }
            if (segment == null) {
                segment = path.substring(start, end);
            }
            Object value = converter.convert(segment);
            if (value != null) {
                Node found = find(child, path, end + 1, values, count + 1, want, method);
                if (found != null) {
                    values[count] = value;
                    return found;
                }
            }
        }
        return null;
    }

    /**
     * One path segment position in the tree. Children are added in maps while routes compile, then
     * {@link #seal} turns them into arrays that matching walks without allocating: literals in an
     * open-addressing table looked up by a segment's position in the path, parameters in converter
     * priority order.
     */
    private static final class Node {
        private static final String[] NO_LITERALS = new String[0];

        Map<String, Node> literals = new HashMap<>();
        Map<PathTemplate.Converter, Node> params = new EnumMap<>(PathTemplate.Converter.class);
        final Map<String, Route> routes = new LinkedHashMap<>();
        Route webSocket;
        private String[] literalKeys = NO_LITERALS;
        private int[] literalHashes;
        private Node[] literalChildren;
        PathTemplate.Converter[] converters;
        Node[] paramChildren;

        void seal() {
            if (!literals.isEmpty()) {
                int capacity = Integer.highestOneBit(literals.size() * 2 - 1) << 1;
                literalKeys = new String[capacity];
                literalHashes = new int[capacity];
                literalChildren = new Node[capacity];
                for (Map.Entry<String, Node> entry : literals.entrySet()) {
                    String key = entry.getKey();
                    int hash = key.hashCode();
                    int slot = hash & (capacity - 1);
                    while (literalKeys[slot] != null) {
                        slot = (slot + 1) & (capacity - 1);
                    }
                    literalKeys[slot] = key;
                    literalHashes[slot] = hash;
                    literalChildren[slot] = entry.getValue();
                    entry.getValue().seal();
                }
            }
            converters = params.keySet().toArray(new PathTemplate.Converter[0]);
            paramChildren = params.values().toArray(new Node[0]);
            for (Node child : paramChildren) {
                child.seal();
            }
            literals = null;
            params = null;
        }

        /** The literal child for {@code path[start, end)}, hashed as {@link String#hashCode} would hash it. */
        Node literal(String path, int start, int end) {
            if (literalKeys.length == 0) {
                return null;
            }
            int hash = 0;
            for (int i = start; i < end; i++) {
                hash = 31 * hash + path.charAt(i);
            }
            int length = end - start;
            int mask = literalKeys.length - 1;
            for (int slot = hash & mask; literalKeys[slot] != null; slot = (slot + 1) & mask) {
                String key = literalKeys[slot];
                if (literalHashes[slot] == hash && key.length() == length && path.regionMatches(start, key, 0, length)) {
                    return literalChildren[slot];
                }
            }
            return null;
        }

        boolean accepts(int want, String method) {
            return switch (want) {
                case WEBSOCKET -> webSocket != null;
                case METHOD -> answers(method);
                default -> !routes.isEmpty();
            };
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

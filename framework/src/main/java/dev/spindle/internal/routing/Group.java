package dev.spindle.internal.routing;

import dev.spindle.http.ErrorHandler;
import dev.spindle.http.Filter;
import dev.spindle.http.Handler;
import dev.spindle.http.Teardown;
import dev.spindle.http.WebSocketHandler;
import dev.spindle.internal.Checks;
import dev.spindle.routing.RouteGroup;
import dev.spindle.routing.RouteOptions;
import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A route group (or the app's root group) as declared: what {@link Router#compile} turns into
 * routes. Not thread-safe: configured on one thread before the app starts.
 */
public final class Group implements RouteGroup {

    final String prefix;
    final Group parent;
    final Scope scope = new Scope();
    final List<Declared> routes = new ArrayList<>();
    final List<Group> children = new ArrayList<>();
    ThreadingMode threading;
    Duration timeout;
    private final BooleanSupplier frozen;

    /** One declared route; {@code webSocket} is {@code null} for an HTTP route. */
    record Declared(String method, String template, Handler handler, Options options, WebSocketHandler webSocket) {
    }

    private Group(String prefix, Group parent, BooleanSupplier frozen) {
        this.prefix = prefix;
        this.parent = parent;
        this.frozen = frozen;
    }

    /** The root group of an app; {@code frozen} tells when setup is over. */
    public static Group root(BooleanSupplier frozen) {
        return new Group("", null, frozen);
    }

    @Override
    public String prefix() {
        return parent == null ? prefix : parent.prefix() + prefix;
    }

    @Override
    public RouteGroup route(String method, String template, Handler handler, Consumer<RouteOptions> options) {
        checkOpen();
        Objects.requireNonNull(handler, "handler");
        checkTemplate(template);
        Options declared = new Options();
        options.accept(declared);
        routes.add(new Declared(method.toUpperCase(java.util.Locale.ROOT), template, handler, declared, null));
        return this;
    }

    @Override
    public RouteGroup ws(String template, WebSocketHandler handler) {
        checkOpen();
        Objects.requireNonNull(handler, "handler");
        checkTemplate(template);
        routes.add(new Declared("GET", template, Route.ACCEPT_UPGRADE, new Options(), handler));
        return this;
    }

    private void checkTemplate(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("Route template must start with '/': " + template);
        }
        PathTemplate.parse(prefix() + template);
    }

    @Override
    public RouteGroup group(String prefix, Consumer<RouteGroup> setup) {
        checkOpen();
        if (!prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new IllegalArgumentException("A group prefix starts with '/' and does not end with one: " + prefix);
        }
        Group child = new Group(prefix, this, frozen);
        children.add(child);
        setup.accept(child);
        return this;
    }

    @Override
    public RouteGroup before(Handler hook) {
        checkOpen();
        scope.before.add(Objects.requireNonNull(hook));
        return this;
    }

    @Override
    public RouteGroup after(Filter hook) {
        checkOpen();
        scope.after.add(Objects.requireNonNull(hook));
        return this;
    }

    @Override
    public RouteGroup teardown(Teardown hook) {
        checkOpen();
        scope.teardown.add(Objects.requireNonNull(hook));
        return this;
    }

    @Override
    public <E extends Throwable> RouteGroup error(Class<E> type, ErrorHandler<? super E> handler) {
        checkOpen();
        scope.byType.put(type, Objects.requireNonNull(handler));
        return this;
    }

    @Override
    public RouteGroup error(int status, ErrorHandler<? super Throwable> handler) {
        checkOpen();
        scope.byStatus.put(status, Objects.requireNonNull(handler));
        return this;
    }

    @Override
    public RouteGroup threading(ThreadingMode mode) {
        checkOpen();
        this.threading = Objects.requireNonNull(mode);
        return this;
    }

    @Override
    public RouteGroup timeout(Duration timeout) {
        checkOpen();
        this.timeout = Checks.positive("A timeout", timeout);
        return this;
    }

    private void checkOpen() {
        if (frozen.getAsBoolean()) {
            throw new IllegalStateException(
                    "The app has started: routes, hooks and error handlers must be declared before start()");
        }
    }
}

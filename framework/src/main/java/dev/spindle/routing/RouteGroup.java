package dev.spindle.routing;

import dev.spindle.http.ErrorHandler;
import dev.spindle.http.Filter;
import dev.spindle.http.Handler;
import dev.spindle.http.Teardown;
import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A Flask blueprint: routes under a common prefix with their own hooks, error handlers and,
 * optionally, their own threading mode (a bulkhead shared by the group's routes) and timeout.
 * Groups nest; a route's pipeline runs the hooks of every enclosing group, outermost first.
 *
 * <p>Not thread-safe: configure it on one thread before the app starts.
 */
public final class RouteGroup implements Routes<RouteGroup> {

    final String prefix;
    final RouteGroup parent;
    final Scope scope = new Scope();
    final List<Declared> routes = new ArrayList<>();
    final List<RouteGroup> children = new ArrayList<>();
    ThreadingMode threading;
    Duration timeout;
    private final BooleanSupplier frozen;

    record Declared(String method, String template, Handler handler, RouteOptions options) {
    }

    private RouteGroup(String prefix, RouteGroup parent, BooleanSupplier frozen) {
        this.prefix = prefix;
        this.parent = parent;
        this.frozen = frozen;
    }

    /** The root group of an app; {@code frozen} tells when setup is over. */
    public static RouteGroup root(BooleanSupplier frozen) {
        return new RouteGroup("", null, frozen);
    }

    /** The full prefix of this group, e.g. {@code /api/v1}; empty for the app. */
    public String prefix() {
        return parent == null ? prefix : parent.prefix() + prefix;
    }

    @Override
    public RouteGroup route(String method, String template, Handler handler, Consumer<RouteOptions> options) {
        checkOpen();
        Objects.requireNonNull(handler, "handler");
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("Route template must start with '/': " + template);
        }
        RouteOptions declared = new RouteOptions();
        options.accept(declared);
        PathTemplate.parse(prefix() + template);
        routes.add(new Declared(method.toUpperCase(java.util.Locale.ROOT), template, handler, declared));
        return this;
    }

    @Override
    public RouteGroup group(String prefix, Consumer<RouteGroup> setup) {
        checkOpen();
        if (!prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new IllegalArgumentException("A group prefix starts with '/' and does not end with one: " + prefix);
        }
        RouteGroup child = new RouteGroup(prefix, this, frozen);
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
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("A timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
        return this;
    }

    private void checkOpen() {
        if (frozen.getAsBoolean()) {
            throw new IllegalStateException(
                    "The app has started: routes, hooks and error handlers must be declared before start()");
        }
    }
}

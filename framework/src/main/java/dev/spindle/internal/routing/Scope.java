package dev.spindle.internal.routing;

import dev.spindle.http.ErrorHandler;
import dev.spindle.http.Filter;
import dev.spindle.http.Handler;
import dev.spindle.http.Teardown;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The hooks and error handlers one route group (or the app) declares: one level of a route's pipeline. */
final class Scope {

    final List<Handler> before = new ArrayList<>();
    final List<Filter> after = new ArrayList<>();
    final List<Teardown> teardown = new ArrayList<>();
    final Map<Class<? extends Throwable>, ErrorHandler<? extends Throwable>> byType = new LinkedHashMap<>();
    final Map<Integer, ErrorHandler<? super Throwable>> byStatus = new LinkedHashMap<>();

    boolean isEmpty() {
        return before.isEmpty() && after.isEmpty() && teardown.isEmpty() && byType.isEmpty() && byStatus.isEmpty();
    }
}

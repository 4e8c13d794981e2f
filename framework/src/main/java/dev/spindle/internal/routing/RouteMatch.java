package dev.spindle.internal.routing;

import java.util.Map;

/**
 * The outcome of {@link Router#match}: always a route to run. Requests no declared route answers get
 * an app-level route whose handler raises 404 or 405, answers OPTIONS, or redirects to the
 * trailing-slash form, so app hooks and error handlers see them too.
 *
 * @param params path parameters, converted
 */
public record RouteMatch(Route route, Map<String, Object> params) {
}

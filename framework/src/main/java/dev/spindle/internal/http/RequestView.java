package dev.spindle.internal.http;

import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The request side of a context, minus the body: the raw facts of a {@link ServerRequest} plus the
 * route's path parameters, and the typed conversions that turn a client's mistake into a 400.
 */
final class RequestView {

    private final ServerRequest request;
    private final String requestId;
    private final String routeTemplate;
    private final Map<String, Object> pathParams;

    RequestView(ServerRequest request, String requestId, String routeTemplate, Map<String, Object> pathParams) {
        this.request = request;
        this.requestId = requestId;
        this.routeTemplate = routeTemplate;
        this.pathParams = pathParams;
    }

    String method() {
        return request.method();
    }

    String path() {
        return request.path();
    }

    String routeTemplate() {
        return routeTemplate;
    }

    String requestId() {
        return requestId;
    }

    Map<String, Object> pathParams() {
        return pathParams;
    }

    /** A mismatch with the template is the handler's bug, hence not an {@code HttpException}. */
    <T> T pathParam(String name, Class<T> type) {
        Object value = pathParams.get(name);
        if (value == null) {
            throw new IllegalArgumentException("Route " + routeTemplate + " has no path parameter '" + name + "'");
        }
        Class<?> boxed = type == int.class ? Integer.class : type == double.class ? Double.class : type;
        if (!boxed.isInstance(value)) {
            throw new IllegalArgumentException("Path parameter '" + name + "' of " + routeTemplate + " is a "
                    + value.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        }
        @SuppressWarnings("unchecked")
        T typed = (T) value;
        return typed;
    }

    String queryString() {
        return request.queryString();
    }

    Map<String, List<String>> queryParams() {
        return request.queryParams();
    }

    int queryParamAsInt(String name, int defaultValue) {
        long value = queryParamAsLong(name, defaultValue);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "Query parameter '" + name + "' is out of range: " + value);
        }
        return (int) value;
    }

    long queryParamAsLong(String name, long defaultValue) {
        String value = firstQueryParam(name);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "Query parameter '" + name + "' must be an integer, was '" + value + "'");
        }
    }

    double queryParamAsDouble(String name, double defaultValue) {
        String value = firstQueryParam(name);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "Query parameter '" + name + "' must be a number, was '" + value + "'");
        }
    }

    private String firstQueryParam(String name) {
        List<String> values = request.queryParams().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    String header(String name) {
        return request.header(name);
    }

    List<String> headers(String name) {
        return request.headers(name);
    }

    Collection<String> headerNames() {
        return request.headerNames();
    }

    Map<String, String> cookies() {
        return request.cookies();
    }

    String contentType() {
        return MediaTypes.essence(request.header("Content-Type"));
    }

    boolean prefersHtml() {
        return MediaTypes.prefersHtml(request.header("Accept"));
    }

    String remoteAddress() {
        return request.remoteAddress();
    }

    String scheme() {
        return request.scheme();
    }

    String host() {
        return request.host();
    }
}

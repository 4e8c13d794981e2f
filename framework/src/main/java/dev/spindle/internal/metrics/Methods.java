package dev.spindle.internal.metrics;

/**
 * Bounds the {@code method} tag: the methods of RFC 9110 and PATCH keep their name, anything else is
 * {@code UNKNOWN}, so a client sending made-up methods cannot create a meter per value.
 */
final class Methods {

    static final String UNKNOWN = "UNKNOWN";

    private Methods() {
    }

    static String tag(String method) {
        return switch (method) {
            case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" -> method;
            default -> UNKNOWN;
        };
    }
}

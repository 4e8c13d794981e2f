package dev.spindle.http;

/**
 * An {@code after} hook: sees the response the handler produced (status, headers, body) and may
 * change it. Runs on the request's handler thread, after the handler and before the response is sent.
 */
@FunctionalInterface
public interface Filter {

    /** Inspects or changes the response held by {@code ctx}. */
    void apply(Context ctx) throws Exception;
}

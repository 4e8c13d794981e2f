package dev.spindle.http;

/**
 * A {@code teardown} hook, Flask's {@code teardown_request}: runs after every request of its
 * scope, whether it succeeded or failed, once the response is final. Release resources here.
 * Exceptions it throws are logged and never change the response.
 */
@FunctionalInterface
public interface Teardown {

    /**
     * @param error the exception that ended the request, or {@code null} if it completed normally
     */
    void run(Context ctx, Throwable error) throws Exception;
}

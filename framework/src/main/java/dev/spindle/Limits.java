package dev.spindle;

import dev.spindle.internal.Checks;
import java.time.Duration;

/**
 * Request bounds enforced by the server before any handler runs, given with
 * {@link SpindleConfig#limits(Limits)}:
 * <pre>{@code
 * Spindle.create(config -> config.limits(Limits.defaults().withRequestParseTimeout(Duration.ofSeconds(10))));
 * }</pre>
 *
 * @param maxHeaders most request headers
 * @param maxHeaderBytes most bytes of the request line and headers together
 * @param maxParameters most query parameters
 * @param maxCookies most request cookies
 * @param requestParseTimeout longest time a client may take to send its request line and headers
 * @param idleTimeout longest time a connection may stay open without a request
 * @param bodyTimeout longest time a client may take to send a body that is received before the
 *        handler runs; past it the request gets 408 and the connection is closed, and no handler runs
 * @param maxBufferedBodyBytes most body bytes the server holds for requests still being received, all
 *        connections together; a request that would pass it gets 503 before its body is read
 */
public record Limits(int maxHeaders, int maxHeaderBytes, int maxParameters, int maxCookies,
                     Duration requestParseTimeout, Duration idleTimeout, Duration bodyTimeout,
                     long maxBufferedBodyBytes) {

    /** The default {@link #bodyTimeout}: 30 s, about 35 KB/s for a body of the default 1 MiB limit. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
    /** The default {@link #maxBufferedBodyBytes}: 64 MiB, 64 bodies of the default 1 MiB limit at once. */
    public static final long DEFAULT_MAX_BUFFERED_BODY_BYTES = 64L * 1024 * 1024;

    public Limits {
        Checks.positive("requestParseTimeout", requestParseTimeout);
        Checks.positive("idleTimeout", idleTimeout);
        Checks.positive("bodyTimeout", bodyTimeout);
        if (maxBufferedBodyBytes < 1) {
            throw new IllegalArgumentException("maxBufferedBodyBytes must be at least 1, was " + maxBufferedBodyBytes);
        }
    }

    /** These bounds with the default body timeout and buffered-body bound. */
    public Limits(int maxHeaders, int maxHeaderBytes, int maxParameters, int maxCookies,
                  Duration requestParseTimeout, Duration idleTimeout) {
        this(maxHeaders, maxHeaderBytes, maxParameters, maxCookies, requestParseTimeout, idleTimeout,
                DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BUFFERED_BODY_BYTES);
    }

    /**
     * 100 headers in 64 KiB, 1,000 parameters, 100 cookies, 30 s to send headers, 60 s idle, 30 s to
     * send a body, 64 MiB of bodies being received at once.
     */
    public static Limits defaults() {
        return new Limits(100, 64 * 1024, 1_000, 100, Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    /** These limits with another time allowed for the request line and headers. */
    public Limits withRequestParseTimeout(Duration timeout) {
        return new Limits(maxHeaders, maxHeaderBytes, maxParameters, maxCookies, timeout, idleTimeout, bodyTimeout,
                maxBufferedBodyBytes);
    }

    /** These limits with another idle time allowed between requests on a connection. */
    public Limits withIdleTimeout(Duration timeout) {
        return new Limits(maxHeaders, maxHeaderBytes, maxParameters, maxCookies, requestParseTimeout, timeout,
                bodyTimeout, maxBufferedBodyBytes);
    }

    /** These limits with another time allowed to send a body. */
    public Limits withBodyTimeout(Duration timeout) {
        return new Limits(maxHeaders, maxHeaderBytes, maxParameters, maxCookies, requestParseTimeout, idleTimeout,
                timeout, maxBufferedBodyBytes);
    }

    /** These limits with another bound on the body bytes being received at once. */
    public Limits withMaxBufferedBodyBytes(long bytes) {
        return new Limits(maxHeaders, maxHeaderBytes, maxParameters, maxCookies, requestParseTimeout, idleTimeout,
                bodyTimeout, bytes);
    }
}

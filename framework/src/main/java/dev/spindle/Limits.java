package dev.spindle;

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
 */
public record Limits(int maxHeaders, int maxHeaderBytes, int maxParameters, int maxCookies,
                     Duration requestParseTimeout, Duration idleTimeout) {

    /** 100 headers in 64 KiB, 1,000 parameters, 100 cookies, 30 s to send headers, 60 s idle. */
    public static Limits defaults() {
        return new Limits(100, 64 * 1024, 1_000, 100, Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    /** These limits with another time allowed for the request line and headers. */
    public Limits withRequestParseTimeout(Duration timeout) {
        return new Limits(maxHeaders, maxHeaderBytes, maxParameters, maxCookies, timeout, idleTimeout);
    }

    /** These limits with another idle time allowed between requests on a connection. */
    public Limits withIdleTimeout(Duration timeout) {
        return new Limits(maxHeaders, maxHeaderBytes, maxParameters, maxCookies, requestParseTimeout, timeout);
    }
}

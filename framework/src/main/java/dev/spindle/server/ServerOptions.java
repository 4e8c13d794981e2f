package dev.spindle.server;

import java.time.Duration;
import java.util.List;

/**
 * What the server adapter needs from the app's configuration.
 *
 * @param host address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
 * @param port port to bind, 0 for any free port
 * @param ioThreads Undertow IO threads (they parse requests and write responses, never run blocking handlers)
 * @param maxBodySize largest request body in bytes; a larger one gets 413 without being read
 * @param limits bounds on headers, parameters and cookies, and the slow-client timeouts
 * @param shutdownGrace how long {@code stop()} lets in-flight requests finish
 * @param staticFiles directories and classpath folders served under a URL prefix
 */
public record ServerOptions(String host, int port, int ioThreads, long maxBodySize, Limits limits,
                            Duration shutdownGrace, List<StaticFiles> staticFiles) {

    /**
     * Request bounds enforced by the server before any handler runs.
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
    }

    /**
     * Files served under {@code urlPrefix} from a directory or a classpath folder.
     *
     * @param location a directory path, or a classpath folder when {@code classpath} is true
     */
    public record StaticFiles(String urlPrefix, String location, boolean classpath) {
    }
}

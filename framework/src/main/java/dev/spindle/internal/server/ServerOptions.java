package dev.spindle.internal.server;

import dev.spindle.Limits;
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
                            Duration shutdownGrace, List<StaticMount> staticFiles) {

    /**
     * Files served under {@code urlPrefix} from a directory or a classpath folder.
     *
     * @param location a directory path, or a classpath folder when {@code classpath} is true
     */
    public record StaticMount(String urlPrefix, String location, boolean classpath) {
    }
}

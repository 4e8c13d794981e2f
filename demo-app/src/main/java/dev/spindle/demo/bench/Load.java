package dev.spindle.demo.bench;

import java.time.Duration;

/**
 * One stream of requests within a step: {@code GET pathAndQuery}, or {@code POST} of a JSON body, on
 * {@code connections} keep-alive connections, either closed ({@code rate == 0}: each connection sends
 * its next request when the last one is answered, as wrk does) or open ({@code rate > 0} requests per
 * second on a fixed schedule, as wrk2 does: latency counts from each request's intended send time).
 *
 * @param name        what the reports call it, e.g. {@code /fast}
 * @param target      where to send it
 * @param pathAndQuery the request target, e.g. {@code /slow?ms=100}
 * @param connections connections to open (closed mode: the concurrency; open mode: the most requests in flight)
 * @param rate        requests per second, or 0 for closed mode
 * @param maxRequests the most requests to send in the step
 * @param timeout     how long a sent request may wait for its answer before it counts as a timeout
 * @param jsonBody    the body every request posts as {@code application/json}; {@code null}: a {@code GET}
 */
record Load(String name, Target target, String pathAndQuery, int connections, double rate, long maxRequests,
            Duration timeout, byte[] jsonBody) {

    /** {@code GET pathAndQuery}. */
    Load(String name, Target target, String pathAndQuery, int connections, double rate, long maxRequests,
         Duration timeout) {
        this(name, target, pathAndQuery, connections, rate, maxRequests, timeout, null);
    }

    Load {
        if (connections < 1) {
            throw new IllegalArgumentException("a load needs at least one connection");
        }
        if (rate < 0 || maxRequests < 1) {
            throw new IllegalArgumentException("rate must be >= 0 and maxRequests >= 1");
        }
    }

    boolean open() {
        return rate > 0;
    }
}

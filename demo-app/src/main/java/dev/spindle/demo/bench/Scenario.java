package dev.spindle.demo.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The five questions bench asks each target, in the order it asks them (fanout last: it leaves
 * the most threads, memory and queued work behind).
 */
enum Scenario {
    /** Throughput of {@code /fast}: closed mode on {@code --connections}, or open at {@code --rate}. */
    FAST("what /fast throughput and latency the server gives"),
    /** {@code /cpu} at 1, 2, 4, 8 concurrent: parallelism is capped by cores, not threads. */
    CPU("how CPU-bound work scales with concurrency"),
    /** Flask's example: {@code /slow} saturating 16 connections while {@code /fast} is probed at a fixed rate. */
    MIXED("what /fast latency the server gives while /slow keeps it busy"),
    /** 1,000 concurrent {@code POST /echo}, each with a 1 KiB JSON body: what requests with bodies cost in memory. */
    ECHO("what memory and throughput 1,000 concurrent requests with a body take"),
    /** 1,000 concurrent {@code /slow?ms=100}: the ideal is 10,000 req/s. */
    FANOUT("how many slow requests the server serves at once");

    /** The JSON document every {@code echo} request posts: 1 KiB, as issue 11 asks. */
    static final byte[] ECHO_BODY = echoBody(1024);

    /** One bounded run of loads within a scenario. */
    record Step(String name, List<Load> loads) {
    }

    final String question;

    Scenario(String question) {
        this.question = question;
    }

    String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Scenario of(String key) {
        for (Scenario scenario : values()) {
            if (scenario.key().equals(key)) {
                return scenario;
            }
        }
        throw new IllegalArgumentException("Unknown scenario '" + key + "': use fast, cpu, mixed, echo, fanout or all");
    }

    List<Step> steps(Target target, BenchResult.Settings s) {
        Duration timeout = Duration.ofMillis((long) (s.timeoutSeconds() * 1000));
        String slow = "/slow?ms=" + s.slowMs();
        return switch (this) {
            case FAST -> List.of(new Step("main", List.of(
                    new Load("/fast", target, "/fast", s.connections(), s.rate(), s.maxRequests(), timeout))));
            case CPU -> {
                List<Step> steps = new ArrayList<>();
                for (int level : s.cpuLevels()) {
                    steps.add(new Step("c=" + level, List.of(
                            new Load("/cpu", target, "/cpu?n=" + s.cpuN(), level, 0, s.maxRequests(), timeout))));
                }
                yield steps;
            }
            case MIXED -> List.of(new Step("main", List.of(
                    new Load("/slow", target, slow, s.slowConnections(), 0, s.maxRequests(), timeout),
                    new Load("/fast", target, "/fast", s.probeConnections(), s.probeRate(), s.maxRequests(), timeout))));
            case ECHO -> List.of(new Step("main", List.of(
                    new Load("/echo", target, "/echo", s.fanout(), 0, s.maxRequests(), timeout, ECHO_BODY))));
            case FANOUT -> List.of(new Step("main", List.of(
                    new Load("/slow", target, slow, s.fanout(), 0, s.maxRequests(), timeout))));
        };
    }

    /** A JSON object of exactly {@code bytes} bytes: a few fields of each kind and a string that fills the rest. */
    static byte[] echoBody(int bytes) {
        String shape = "{\"id\":42,\"ok\":true,\"ratio\":0.5,\"tags\":[\"bench\",\"echo\"],\"text\":\"%s\"}";
        return shape.formatted("x".repeat(bytes - shape.length() + 2)).getBytes(StandardCharsets.US_ASCII);
    }
}

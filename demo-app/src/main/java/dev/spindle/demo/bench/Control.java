package dev.spindle.demo.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The few requests bench makes to a target outside the load: is it up, does it serve a route,
 * its {@code /metrics}. The JDK client is fine for these (a handful per step); the load itself
 * goes through {@link LoadGenerator}. URLs use the target's address literal, so nothing is looked up.
 *
 * <p><b>Threading:</b> safe for concurrent use (the step's driver and the {@link ServerWatch}).
 */
final class Control implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();
    private final String base;

    Control(Target target) {
        this.base = target.controlBase();
    }

    /** The status of {@code GET path}, or -1 when it did not answer within {@code timeout}. */
    int status(String path, Duration timeout) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | IllegalArgumentException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The status of {@code POST path} with {@code json} as its body, or -1 when it did not answer within {@code timeout}. */
    int postJson(String path, String json, Duration timeout) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | IllegalArgumentException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** {@code GET /metrics} parsed; {@link Scrape#EMPTY} when the target serves none. */
    Scrape metrics() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(TIMEOUT).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Scrape.parse(response.body()) : Scrape.EMPTY;
        } catch (IOException | IllegalArgumentException e) {
            return Scrape.EMPTY;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Scrape.EMPTY;
        }
    }

    /**
     * Waits until {@code GET /fast} answers 200, at most {@code limit}: a new target starting up, or
     * one still working off the previous step's queue. Returns whether it did.
     */
    boolean awaitFast(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (status("/fast", Duration.ofMillis(Math.min(left, 5_000))) == 200) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
        }
        return false;
    }

    @Override
    public void close() {
        http.close();
    }
}

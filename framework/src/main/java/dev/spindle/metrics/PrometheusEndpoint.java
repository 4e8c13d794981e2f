package dev.spindle.metrics;

import dev.spindle.http.Context;
import dev.spindle.http.Handler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * Serves a {@link PrometheusMeterRegistry} in the exposition format the scraper asks for
 * (Prometheus text 0.0.4 by default, OpenMetrics when {@code Accept} prefers it). Kept apart so
 * the optional Prometheus registry is loaded only by apps that serve it.
 */
public final class PrometheusEndpoint implements Handler {

    static final String TEXT_0_0_4 = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    private PrometheusEndpoint(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The endpoint for {@code registry}, which must be a {@link PrometheusMeterRegistry} or a
     * composite that contains one.
     *
     * @throws IllegalArgumentException naming what to configure otherwise
     */
    public static PrometheusEndpoint of(MeterRegistry registry) {
        PrometheusMeterRegistry prometheus = find(registry);
        if (prometheus == null) {
            throw new IllegalArgumentException("metricsEndpoint() serves Prometheus text: configure the app with a "
                    + "PrometheusMeterRegistry (or a composite containing one), e.g. config.meterRegistry("
                    + "new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))");
        }
        return new PrometheusEndpoint(prometheus);
    }

    private static PrometheusMeterRegistry find(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            return prometheus;
        }
        if (registry instanceof CompositeMeterRegistry composite) {
            for (MeterRegistry member : composite.getRegistries()) {
                PrometheusMeterRegistry found = find(member);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    @Override
    public Object handle(Context ctx) {
        String accept = ctx.header("Accept");
        String contentType = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : TEXT_0_0_4;
        ctx.contentType(contentType);
        ctx.responseBody(registry.scrape(contentType).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return null;
    }
}

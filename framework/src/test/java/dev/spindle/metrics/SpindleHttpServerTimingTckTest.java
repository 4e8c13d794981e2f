package dev.spindle.metrics;

import dev.spindle.Spindle;
import dev.spindle.http.HttpStatus;
import io.micrometer.core.instrument.HttpServerTimingInstrumentationVerificationTests;
import java.net.URI;
import java.util.function.Consumer;

/** Micrometer's own verification suite for HTTP server timing, run unmodified against Spindle. */
class SpindleHttpServerTimingTckTest extends HttpServerTimingInstrumentationVerificationTests {

    private Spindle app;

    @Override
    protected URI startInstrumentedWithMetricsServer() {
        return start(config -> config.meterRegistry(getRegistry()));
    }

    @Override
    protected URI startInstrumentedWithObservationsServer() {
        return start(config -> config.meterRegistry(getRegistry()).observationRegistry(getObservationRegistry()));
    }

    private URI start(Consumer<dev.spindle.SpindleConfig> metrics) {
        app = Spindle.create(metrics);
        app.get(InstrumentedRoutes.ROOT, ctx -> "root");
        app.get(InstrumentedRoutes.TEMPLATED_ROUTE, ctx -> "Hello " + ctx.pathParam("name"));
        app.get(InstrumentedRoutes.REDIRECT, ctx -> ctx.redirect(InstrumentedRoutes.ROOT, HttpStatus.FOUND));
        app.post(InstrumentedRoutes.ERROR, ctx -> {
            throw new IllegalStateException("the TCK's error route");
        });
        app.start(0);
        return URI.create("http://127.0.0.1:" + app.port() + "/");
    }

    @Override
    protected void stopInstrumentedServer() {
        app.stop();
    }
}

/**
 * Spindle: a Flask-like micro web framework on Undertow with a pluggable threading model.
 *
 * <p>Only the API packages are exported. Everything under {@code dev.spindle.internal} (the
 * Undertow adapter, the compiled route tree, the dispatchers, the metrics recorder) is exported to
 * nobody: applications see routes, contexts, modes and meters, never the machinery.
 */
module dev.spindle {
    requires transitive micrometer.core;
    requires transitive micrometer.observation;
    requires static micrometer.registry.prometheus;
    requires transitive tools.jackson.databind;
    requires org.slf4j;
    requires org.apache.httpcomponents.client5.httpclient5;
    requires org.apache.httpcomponents.core5.httpcore5;
    requires java.management;
    requires undertow.core;
    requires xnio.api;

    exports dev.spindle;
    exports dev.spindle.http;
    exports dev.spindle.jobs;
    exports dev.spindle.json;
    exports dev.spindle.locks;
    exports dev.spindle.metrics;
    exports dev.spindle.routing;
    exports dev.spindle.threading;

    // Jackson reads and writes Spindle's own records (problem bodies, job resources, the routes summary).
    opens dev.spindle.http to tools.jackson.databind;
    opens dev.spindle.jobs to tools.jackson.databind;
    opens dev.spindle.internal.metrics to tools.jackson.databind;
}

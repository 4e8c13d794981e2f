/**
 * Micrometer metrics that show what a threading choice costs: request timing, the time each route
 * waited for a thread, and behind which route ({@code spindle.request.blocked}). Names are in
 * {@link dev.spindle.metrics.MeterNames}, {@link dev.spindle.metrics.PrometheusEndpoint} serves them;
 * {@code docs/metrics.md} explains each one. {@link dev.spindle.metrics.RequestSpans} records recent requests as
 * spans on their threads, for live timelines ({@code docs/metrics.md}). The recorder itself is in {@code dev.spindle.internal.metrics}.
 */
package dev.spindle.metrics;

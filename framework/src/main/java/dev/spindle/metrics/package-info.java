/**
 * Micrometer metrics that show what a threading choice costs: request timing, the time each route
 * waited for a thread, and behind which route ({@code spindle.request.blocked}). Names are in
 * {@link dev.spindle.metrics.MeterNames}; {@code docs/metrics.md} explains each one.
 */
package dev.spindle.metrics;

/**
 * The recorder behind Spindle's meters: what the server adapter reports per request
 * ({@link dev.spindle.internal.metrics.RequestMetrics}), the thread-time ledger that attributes
 * each queue wait to the routes holding the threads, the overdue-handler detector, and the JSON
 * summary behind {@code /metrics/routes}.
 */
package dev.spindle.internal.metrics;

/**
 * {@code demo-app.jar bench}: the load-testing comparison of threading modes. A Netty load
 * generator ({@link dev.spindle.demo.bench.LoadGenerator}) drives closed (wrk-like) or open
 * (wrk2-like, latency from each request's intended send time) loads and records latency in
 * HdrHistogram; {@link dev.spindle.demo.bench.Bench} runs the scenarios against each demo mode or
 * {@code --url}, watching the server through {@code /proc} and Spindle's {@code /metrics}; the
 * results are written as a table, JSON and an offline HTML report. Targets are checked from their
 * URLs' text alone ({@link dev.spindle.demo.bench.Target}): loopback only unless {@code --allow-remote}.
 */
package dev.spindle.demo.bench;

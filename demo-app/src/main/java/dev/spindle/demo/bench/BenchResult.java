package dev.spindle.demo.bench;

import java.util.List;
import java.util.Map;

/**
 * Everything one {@code bench} run measured, as written to its JSON file (and read back by the
 * HTML report's charts).
 *
 * @param command     the command line, as given
 * @param version     the demo's version
 * @param started     ISO-8601 start time
 * @param wallSeconds how long the whole run took
 * @param machine     where it ran
 * @param settings    the scenario parameters in force
 * @param targets     one entry per mode or {@code --url}, in the order run
 */
public record BenchResult(String command, String version, String started, double wallSeconds, Machine machine,
                          Settings settings, List<TargetResult> targets) {

    /** Cores, JDK and the load generator's transport. */
    public record Machine(int cores, String java, String os, String transport, int clientThreads) {
    }

    /** The parameters that shape the scenarios. */
    public record Settings(List<String> scenarios, double durationSeconds, double warmupSeconds,
                           double clientWarmupSeconds, int connections,
                           double rate, double probeRate, int probeConnections, int slowConnections, int fanout,
                           int slowMs, List<Integer> cpuLevels, int cpuN, double timeoutSeconds, long maxRequests,
                           int pool, int queue) {
    }

    /**
     * One server under load.
     *
     * @param label   {@code single}, {@code pool (8)}, or the {@code --url} label
     * @param kind    {@code demo} (started by bench, one JVM per mode) or {@code url}
     * @param url     where it listened
     * @param spindle whether it serves Spindle's meters at {@code /metrics}
     * @param note    why a scenario was skipped or the target failed; empty when none
     * @param steps   the measured steps, in the order run
     */
    public record TargetResult(String label, String kind, String url, boolean spindle, String note,
                               List<StepResult> steps) {

        StepResult step(String scenario, String step) {
            return steps.stream().filter(s -> s.scenario().equals(scenario) && s.step().equals(step))
                    .findFirst().orElse(null);
        }
    }

    /**
     * One bounded step of a scenario.
     *
     * @param scenario         {@code fast}, {@code cpu}, {@code mixed}, {@code echo} or {@code fanout}
     * @param step             the step within it ({@code main}, or {@code c=4} for cpu)
     * @param seconds          the measured window
     * @param clientCpuPercent the share of all the machine's cores bench itself used during the step
     * @param server           what {@code /proc} and the server's meters showed
     * @param spindle          what the Spindle meters recorded in the step; {@code null} for other servers
     * @param loads            each load's result
     */
    public record StepResult(String scenario, String step, double seconds, double clientCpuPercent,
                             ServerPeaks server, SpindleStats spindle, List<LoadResult> loads) {

        LoadResult load(String name) {
            return loads.stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * Spindle's own account of the step, from {@code /metrics} scraped before and after it.
     *
     * @param queueWaitP99Ms per route: the 99th percentile of the time started requests waited for a
     *                       thread (upper bound of its histogram bucket)
     * @param blocked        per (route, blocker): seconds the route's requests waited while the blocker held the threads
     * @param refused        per route: requests refused with 503 because the queue was full
     * @param expired        per route: requests whose deadline passed while they queued
     */
    public record SpindleStats(Map<String, Double> queueWaitP99Ms, List<Blocked> blocked, Map<String, Long> refused,
                               Map<String, Long> expired) {
    }

    /**
     * What the server process showed during a step; each field {@code null} when it could not be measured.
     *
     * @param rssMiB          peak resident memory ({@code /proc/PID/status})
     * @param platformThreads peak OS threads of the process
     * @param cpuPercent      the share of all the machine's cores the server used
     * @param handlerThreads  peak busy handler threads from Spindle's {@code spindle_dispatcher_active}
     *                        (virtual threads included: they are no OS threads)
     */
    public record ServerPeaks(Long rssMiB, Integer platformThreads, Double cpuPercent, Integer handlerThreads) {
    }

    /** {@code seconds} that requests to {@code uri} waited behind {@code blocker}. */
    public record Blocked(String uri, String blocker, double seconds) {
    }
}

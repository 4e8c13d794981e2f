package dev.spindle.demo;

import dev.spindle.threading.ThreadingMode;
import java.util.List;

/**
 * What the demo's command line asked for; {@link DemoCommand} parses it.
 *
 * @param mode                  the app's threading mode
 * @param host                  the address to bind
 * @param port                  the port (0: any free one)
 * @param slowMs                how long {@code GET /slow} sleeps without {@code ?ms=}
 * @param allowPrivateCallbacks whether job callbacks may target loopback or private addresses
 * @param metrics               whether meters are recorded (and {@code /metrics} served)
 * @param jobsDb                the PostgreSQL JDBC URL jobs are shared through, or {@code null} for in-memory jobs
 */
record DemoOptions(ThreadingMode mode, String host, int port, int slowMs, boolean allowPrivateCallbacks,
                   boolean metrics, String jobsDb) {

    /**
     * The options {@code args} give, as the demo's command line reads them.
     *
     * @throws picocli.CommandLine.ParameterException with a sentence naming the flag at fault
     */
    static DemoOptions parse(List<String> args) {
        return DemoCommand.parse(args.toArray(String[]::new));
    }
}

package dev.spindle.demo;

import dev.spindle.demo.bench.BenchCommand;
import dev.spindle.threading.ThreadingMode;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The demo's command line: {@code [--single|--threaded|--virtual|--pool[=N]] [--queue N] [--port N]
 * [--host H] [--slow-ms N] [--allow-private-callbacks] [--no-metrics] [--jobs-db URL]}, {@code --help},
 * {@code --version}, and the {@code bench} subcommand. Unknown flags print the usage and exit 2.
 */
@Command(name = "demo-app.jar",
        versionProvider = DemoCommand.Version.class,
        subcommands = BenchCommand.class,
        sortOptions = false,
        usageHelpWidth = 110,
        commandListHeading = "%nCommands:%n",
        customSynopsis = {
            "java -jar demo-app/target/demo-app.jar [mode] [options]",
            "       java -jar demo-app/target/demo-app.jar bench [bench options]   (see: bench --help)"},
        description = {"", "The Spindle demo: GET /fast answers at once, GET /slow sleeps, and the threading mode "
                + "decides whether /fast waits behind /slow."},
        footer = {"", "Try it:  curl localhost:8080/slow & curl localhost:8080/fast"})
public final class DemoCommand implements Callable<Integer> {

    /** The threading mode flags: at most one. */
    static final class ModeFlags {
        @Option(names = "--single", description = "one thread runs every request in turn (Flask threaded=False)")
        boolean single;

        @Option(names = "--threaded", description = "a new platform thread per request (Flask threaded=True)")
        boolean threaded;

        @Option(names = "--virtual", description = "a new virtual thread per request")
        boolean virtual;

        @Option(names = "--pool", arity = "0..1", paramLabel = "N",
                fallbackValue = "" + ThreadingMode.WorkerPool.DEFAULT_THREADS,
                description = "a pool of N platform threads (default N=${FALLBACK-VALUE})")
        Integer pool;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1", order = 1,
            heading = "%nThreading mode (default: virtual threads, or -Dspindle.mode / SPINDLE_MODE):%n")
    ModeFlags mode;

    @ArgGroup(exclusive = false, validate = false, order = 2, heading = "%nOptions:%n")
    Settings settings = new Settings();

    /** Everything but the mode. */
    static final class Settings {
        @Option(names = "--queue", paramLabel = "N", defaultValue = "" + ThreadingMode.DEFAULT_QUEUE, order = 1,
                description = "requests that may wait for a busy thread before 503 (default ${DEFAULT-VALUE}; "
                        + "--single and --pool only: the other modes never wait for a thread)")
        int queue = ThreadingMode.DEFAULT_QUEUE;

        @Option(names = "--port", paramLabel = "N", defaultValue = "8080", order = 2,
                description = "port to listen on (default ${DEFAULT-VALUE}, 0 = any free port)")
        int port = 8080;

        @Option(names = "--host", paramLabel = "H", defaultValue = "127.0.0.1", order = 3,
                description = "address to bind (default ${DEFAULT-VALUE})")
        String host = "127.0.0.1";

        @Option(names = "--slow-ms", paramLabel = "N", defaultValue = "5000", order = 4,
                description = "how long GET /slow sleeps without ?ms= (default ${DEFAULT-VALUE}, as in Flask's example)")
        int slowMs = 5000;

        @Option(names = "--allow-private-callbacks", order = 5,
                description = "let job callback URLs target loopback/private addresses (local webhook receivers)")
        boolean allowPrivateCallbacks;

        @Option(names = "--no-metrics", order = 6,
                description = "record no meters (to measure what metrics cost; no /metrics, no dashboard data)")
        boolean noMetrics;

        @Option(names = "--jobs-db", paramLabel = "URL", order = 7,
                description = "share jobs with other demos through PostgreSQL (jdbc:postgresql://…; or set "
                        + JobRoutes.DB_VARIABLE + "); needs " + JobRoutes.SECRET_VARIABLE)
        String jobsDb;

        @Option(names = {"-h", "--help"}, usageHelp = true, order = 8, description = "this text")
        boolean help;

        @Option(names = {"-V", "--version"}, versionHelp = true, order = 9, description = "the demo's version, and the JDK's")
        boolean version;
    }

    @Spec
    CommandSpec spec;

    private boolean serving;

    /** The command line with its subcommands, ready to {@code execute} or {@code parseArgs}. */
    public static CommandLine commandLine(DemoCommand command) {
        return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /**
     * The options {@code args} give, without starting anything.
     *
     * @throws ParameterException with a sentence naming the flag at fault
     */
    static DemoOptions parse(String... args) {
        DemoCommand command = new DemoCommand();
        commandLine(command).parseArgs(args);
        return command.options();
    }

    /**
     * The options of a command line that only starts the server with well-formed flags, such as
     * {@code --virtual --port 8080} or {@code --pool=4 --queue 10}, read without picocli: loading and
     * setting up picocli takes a cold JVM about 0.3 s, a sixth of what the demo needed to answer its
     * first request. Empty for anything else (help, version, {@code bench}, an unknown flag, a flag
     * given twice, a value that is not a plain whole number or that picocli might read otherwise),
     * which {@link #commandLine} then parses, so that every message and exit code stays picocli's.
     * {@code DemoAppTest} checks that both read every such command line alike.
     */
    static Optional<DemoOptions> plain(String... args) {
        if (System.getenv(JobRoutes.DB_VARIABLE) != null) {
            return Optional.empty(); // picocli's messages for what the variable may get wrong
        }
        DemoCommand command = new DemoCommand();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            String name = equals < 0 ? args[i] : args[i].substring(0, equals);
            String inline = equals < 0 ? null : args[i].substring(equals + 1);
            boolean next = inline == null && i + 1 < args.length;
            String value = inline != null ? inline : next ? args[i + 1] : null;
            if (!seen.add(name)) {
                return Optional.empty();
            }
            switch (name) {
                case "--single", "--threaded", "--virtual", "--pool" -> {
                    if (command.mode != null) {
                        return Optional.empty();
                    }
                    command.mode = new ModeFlags();
                    if (name.equals("--pool")) {
                        boolean valued = inline != null || next && !args[i + 1].startsWith("-");
                        Integer threads = valued ? number(value) : Integer.valueOf(ThreadingMode.WorkerPool.DEFAULT_THREADS);
                        if (threads == null || threads < 1) {
                            return Optional.empty();
                        }
                        command.mode.pool = threads;
                        i += valued && inline == null ? 1 : 0;
                    } else if (inline != null) {
                        return Optional.empty();
                    } else {
                        command.mode.single = name.equals("--single");
                        command.mode.threaded = name.equals("--threaded");
                        command.mode.virtual = name.equals("--virtual");
                    }
                }
                case "--queue", "--port", "--slow-ms" -> {
                    Integer number = number(value);
                    if (number == null) {
                        return Optional.empty();
                    }
                    switch (name) {
                        case "--queue" -> command.settings.queue = number;
                        case "--port" -> command.settings.port = number;
                        default -> command.settings.slowMs = number;
                    }
                    i += inline == null ? 1 : 0;
                }
                case "--host" -> {
                    if (value == null || value.isEmpty() || value.startsWith("-") || value.startsWith("@") || value.equals("bench")) {
                        return Optional.empty();
                    }
                    command.settings.host = value;
                    i += inline == null ? 1 : 0;
                }
                case "--allow-private-callbacks", "--no-metrics" -> {
                    if (inline != null) {
                        return Optional.empty();
                    }
                    command.settings.allowPrivateCallbacks |= name.equals("--allow-private-callbacks");
                    command.settings.noMetrics |= name.equals("--no-metrics");
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(command.options());
    }

    /** {@code text} as a whole number if it is 1 to 9 decimal digits, else {@code null}. */
    private static Integer number(String text) {
        if (text == null || text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        return Integer.parseInt(text);
    }

    /** Starts the demo; the JVM then lives as long as the server. */
    @Override
    public Integer call() {
        DemoApp.serve(options());
        serving = true;
        return CommandLine.ExitCode.OK;
    }

    /** Whether {@link #call()} started a server (so {@code main} must not exit). */
    boolean serving() {
        return serving;
    }

    DemoOptions options() {
        int queue = settings.queue;
        requireAtLeast("--queue", queue, 0);
        requireAtLeast("--port", settings.port, 0);
        requireAtLeast("--slow-ms", settings.slowMs, 0);
        ThreadingMode threading;
        if (mode == null) {
            threading = ThreadingMode.fromEnvironment().orElseGet(ThreadingMode::virtualThreads);
        } else if (mode.single) {
            threading = ThreadingMode.singleThreaded(queue);
        } else if (mode.threaded) {
            threading = new ThreadingMode.ThreadPerRequest(0, queue);
        } else if (mode.virtual) {
            threading = new ThreadingMode.VirtualThreads(0, queue);
        } else {
            requireAtLeast("--pool", mode.pool, 1);
            threading = ThreadingMode.workerPool(mode.pool, queue);
        }
        String jobsDb = settings.jobsDb != null ? settings.jobsDb : System.getenv(JobRoutes.DB_VARIABLE);
        if (jobsDb != null && jobsDb.isBlank()) {
            jobsDb = null;
        }
        if (jobsDb != null && !jobsDb.startsWith("jdbc:postgresql:")) {
            throw new ParameterException(spec.commandLine(), "--jobs-db takes a jdbc:postgresql://… URL");
        }
        String secret = System.getenv(JobRoutes.SECRET_VARIABLE);
        if (jobsDb != null && (secret == null || secret.isBlank())) {
            throw new ParameterException(spec.commandLine(), "--jobs-db shares jobs with other instances, and "
                    + "whichever finishes a job signs its webhook: set " + JobRoutes.SECRET_VARIABLE
                    + " to the same secret on every instance (whsec_$(openssl rand -base64 32))");
        }
        return new DemoOptions(threading, settings.host, settings.port, settings.slowMs, settings.allowPrivateCallbacks,
                !settings.noMetrics, jobsDb);
    }

    private void requireAtLeast(String option, int value, int min) {
        if (value < min) {
            throw new ParameterException(spec.commandLine(),
                    option + " needs a whole number of at least " + min + ", not " + value);
        }
    }

    /** {@code --version}: the demo's version, from the build, and the JDK it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Spindle demo " + version(), "JDK " + Runtime.version() + " ("
                    + System.getProperty("java.vm.vendor", "unknown vendor") + "), "
                    + Runtime.getRuntime().availableProcessors() + " cores"};
        }
    }

    /** The demo's version as the build wrote it. */
    public static String version() {
        Properties properties = new Properties();
        try (InputStream in = DemoCommand.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return properties.getProperty("version", "unknown");
    }
}

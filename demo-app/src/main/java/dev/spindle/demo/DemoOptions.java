package dev.spindle.demo;

import dev.spindle.threading.ThreadingMode;
import java.util.List;

/**
 * The demo's command line: {@code [--single|--threaded|--virtual|--pool[=N]] [--queue N] [--port N]
 * [--host H] [--slow-ms N] [--allow-private-callbacks] [--no-metrics] [--help]}.
 */
record DemoOptions(ThreadingMode mode, String host, int port, int slowMs, boolean help,
                   boolean allowPrivateCallbacks, boolean metrics) {

    static final String USAGE = """
            Usage: java -jar demo-app/target/demo-app.jar [mode] [options]
                   java -jar demo-app/target/demo-app.jar bench [bench options]   (see: bench --help)

            Threading mode (default: virtual threads, or -Dspindle.mode / SPINDLE_MODE):
              --single        one thread runs every request in turn (Flask threaded=False)
              --threaded      a new platform thread per request (Flask threaded=True)
              --virtual       a new virtual thread per request
              --pool[=N]      a pool of N platform threads (default N=%d)
              --queue N       requests that may wait for a busy thread before 503 (default %d;
                              --single and --pool only: the other modes never wait for a thread)

            Options:
              --port N        port to listen on (default 8080, 0 = any free port)
              --host H        address to bind (default 127.0.0.1)
              --slow-ms N     how long GET /slow sleeps without ?ms= (default 5000, as in Flask's example)
              --allow-private-callbacks
                              let job callback URLs target loopback/private addresses (local webhook receivers)
              --no-metrics    record no meters (to measure what metrics cost; no /metrics, no dashboard data)
              --help          this text

            Try it:  curl localhost:8080/slow & curl localhost:8080/fast
            """.formatted(ThreadingMode.WorkerPool.DEFAULT_THREADS, ThreadingMode.DEFAULT_QUEUE);

    static DemoOptions parse(List<String> args) {
        String modeName = null;
        int poolThreads = ThreadingMode.WorkerPool.DEFAULT_THREADS;
        int queue = ThreadingMode.DEFAULT_QUEUE;
        String host = "127.0.0.1";
        int port = 8080;
        int slowMs = 5000;
        boolean help = false;
        boolean allowPrivateCallbacks = false;
        boolean metrics = true;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--single", "--threaded", "--virtual", "--pool" -> modeName = setMode(modeName, arg.substring(2));
                case "--queue" -> queue = number(args, ++i, arg, 0);
                case "--port" -> port = number(args, ++i, arg, 0);
                case "--host" -> host = value(args, ++i, arg);
                case "--slow-ms" -> slowMs = number(args, ++i, arg, 0);
                case "--allow-private-callbacks" -> allowPrivateCallbacks = true;
                case "--no-metrics" -> metrics = false;
                case "--help", "-h" -> help = true;
                default -> {
                    if (arg.startsWith("--pool=")) {
                        modeName = setMode(modeName, "pool");
                        poolThreads = parseNumber(arg.substring("--pool=".length()), "--pool", 1);
                    } else {
                        throw new IllegalArgumentException("Unknown option '" + arg + "' (see --help)");
                    }
                }
            }
        }
        ThreadingMode mode = modeName == null
                ? ThreadingMode.fromEnvironment().orElseGet(ThreadingMode::virtualThreads)
                : switch (modeName) {
                    case "single" -> ThreadingMode.singleThreaded(queue);
                    case "threaded" -> new ThreadingMode.ThreadPerRequest(0, queue);
                    case "virtual" -> new ThreadingMode.VirtualThreads(0, queue);
                    default -> ThreadingMode.workerPool(poolThreads, queue);
                };
        return new DemoOptions(mode, host, port, slowMs, help, allowPrivateCallbacks, metrics);
    }

    private static String setMode(String current, String requested) {
        if (current != null && !current.equals(requested)) {
            throw new IllegalArgumentException("Choose one mode: --" + current + " and --" + requested + " were both given");
        }
        return requested;
    }

    private static String value(List<String> args, int index, String option) {
        if (index >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(index);
    }

    private static int number(List<String> args, int index, String option, int min) {
        return parseNumber(value(args, index, option), option, min);
    }

    private static int parseNumber(String text, String option, int min) {
        try {
            int value = Integer.parseInt(text);
            if (value >= min) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " needs a whole number of at least " + min + ", not '" + text + "'");
    }
}

package dev.spindle.demo.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo in one threading mode, in a JVM of its own on a free loopback port, so each mode has
 * the machine's memory, JIT and threads to itself and its RSS is its own.
 */
final class DemoServer {

    private static final Pattern LISTENING = Pattern.compile("Listening on http://127\\.0\\.0\\.1:(\\d+)/");

    private final Process process;
    private final int port;

    private DemoServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts the demo with {@code modeFlag} (e.g. {@code --pool=8}) and waits until it listens.
     * The child runs this JVM's own java with this JVM's class path (the demo jar, or the build's
     * classes in tests).
     */
    static DemoServer start(String modeFlag, int queue) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.spindle.demo.DemoApp", modeFlag, "--port", "0", "--host", "127.0.0.1",
                "--queue", Integer.toString(queue)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            return new DemoServer(process, awaitPort(process));
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    private static int awaitPort(Process process) throws IOException {
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        String line;
        while ((line = output.readLine()) != null) {
            Matcher matcher = LISTENING.matcher(line);
            if (matcher.find()) {
                Thread.ofPlatform().daemon().name("bench-demo-output").start(() -> drain(output));
                return Integer.parseInt(matcher.group(1));
            }
            seen.add(line);
        }
        throw new IOException("The demo server exited before it listened: " + String.join(" / ", seen));
    }

    private static void drain(BufferedReader output) {
        try {
            while (output.readLine() != null) {
                // the child's log is not part of the report
            }
        } catch (IOException e) {
            // the child ended
        }
    }

    /** Stops the server: a polite SIGTERM (its shutdown hook stops the app), then SIGKILL after 15 s. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}

package dev.spindle.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * What the app logged during a test. The tests log through slf4j-simple into the file named in
 * {@code simplelogger.properties}; {@link #mark()} remembers where the file ends, and the other
 * methods read what was written after that. Give each request a unique {@code X-Request-Id} and
 * search for it, so tests running before or alongside never match.
 * <pre>{@code
 * var logs = Logs.mark();
 * client.spec().header("X-Request-Id", id).get("/boom");
 * app.stop();                                 // every log line of the request is written by now
 * assertThat(logs.linesContaining(id)).hasSize(1);
 * }</pre>
 */
public final class Logs {

    private final Path file;
    private final long start;

    private Logs(Path file, long start) {
        this.file = file;
        this.start = start;
    }

    /** Remembers the current end of the log file. */
    public static Logs mark() {
        Path file = logFile();
        try {
            return new Logs(file, Files.exists(file) ? Files.size(file) : 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything logged since {@link #mark()}. */
    public String textAfterMark() {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            byte[] all = Files.readAllBytes(file);
            return new String(all, (int) Math.min(start, all.length), (int) Math.max(0, all.length - start),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines logged since {@link #mark()} that contain {@code text}. */
    public List<String> linesContaining(String text) {
        return textAfterMark().lines().filter(line -> line.contains(text)).toList();
    }

    private static Path logFile() {
        try (InputStream in = Logs.class.getResourceAsStream("/simplelogger.properties")) {
            if (in == null) {
                throw new IllegalStateException("simplelogger.properties is not on the test classpath");
            }
            Properties properties = new Properties();
            properties.load(in);
            String file = properties.getProperty("org.slf4j.simpleLogger.logFile");
            if (file == null || file.startsWith("System.")) {
                throw new IllegalStateException("Logs needs slf4j-simple to log into a file, not " + file);
            }
            return Path.of(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

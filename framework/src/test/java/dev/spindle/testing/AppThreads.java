package dev.spindle.testing;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The threads an app runs, platform and virtual, found by name in a JSON thread dump (the JDK's
 * {@code Thread.getAllStackTraces()} lists platform threads only): Spindle's ({@code spindle-…}) and
 * Undertow's ({@code XNIO-…}). Take a {@link #snapshot()} before the app starts and ask for the
 * threads {@link #startedSince} it once the app has stopped.
 */
public final class AppThreads {

    private static final List<String> PREFIXES = List.of("spindle-", "XNIO-");

    private final Map<String, String> byId;

    private AppThreads(Map<String, String> byId) {
        this.byId = byId;
    }

    /** The app-named threads alive now. */
    public static AppThreads snapshot() {
        Map<String, String> named = new TreeMap<>();
        dump().forEach((id, name) -> {
            if (PREFIXES.stream().anyMatch(name::startsWith)) {
                named.put(id, name);
            }
        });
        return new AppThreads(named);
    }

    /** The names of the app-named threads alive now that were not in {@code before}, with their ids. */
    public static List<String> startedSince(AppThreads before) {
        List<String> started = new ArrayList<>();
        snapshot().byId.forEach((id, name) -> {
            if (!before.byId.containsKey(id)) {
                started.add(name + " #" + id);
            }
        });
        return started;
    }

    /** Thread id to name, for every thread in a JSON thread dump (virtual threads included). */
    private static Map<String, String> dump() {
        try {
            Path dir = Files.createTempDirectory("spindle-threads");
            Path file = dir.resolve("threads.json");
            try {
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                        .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
                JsonNode root = JsonMapper.builder().build().readTree(file.toFile());
                Map<String, String> threads = new TreeMap<>();
                for (JsonNode container : root.path("threadDump").path("threadContainers")) {
                    for (JsonNode thread : container.path("threads")) {
                        threads.put(thread.path("tid").asString(), thread.path("name").asString());
                    }
                }
                return threads;
            } finally {
                Files.deleteIfExists(file);
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

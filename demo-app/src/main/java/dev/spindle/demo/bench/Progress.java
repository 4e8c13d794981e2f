package dev.spindle.demo.bench;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The one progress line bench rewrites in place while a step runs ({@code \r}, no library needed),
 * or nothing when standard output is not a terminal (a file, a pipe, CI), so logs stay clean.
 *
 * <p><b>Threading:</b> called from the step's driver thread only.
 */
final class Progress {

    private final PrintWriter out;
    private final boolean enabled;
    private int lastWidth;

    Progress(PrintWriter out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    /**
     * Whether standard input and output are a terminal. JDK 22+ returns a {@link Console} even when
     * they are redirected and says whether it is a terminal with {@code isTerminal()}, which this
     * Java 21 code reaches by reflection once; before 22 a console exists only for a terminal.
     */
    static boolean terminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        if (Runtime.version().feature() < 22) {
            return true;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException | ClassCastException e) {
            return false;
        }
    }

    void tick(String target, String scenario, LoadGenerator.Tick tick) {
        if (!enabled) {
            return;
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %s | %s | %4.1f/%.0f s",
                target, scenario, tick.elapsedSeconds(), tick.totalSeconds()));
        for (int i = 0; i < tick.runs().size(); i++) {
            LoadRun run = tick.runs().get(i);
            Histogram interval = tick.intervals().get(i);
            line.append(String.format(Locale.ROOT, " | %s %s ok", run.load.name(), Report.count(run.completed())));
            if (interval.getTotalCount() > 0) {
                line.append(String.format(Locale.ROOT, ", p99 %s ms", Report.ms(interval.getValueAtPercentile(99) / 1000.0)));
            }
            long errors = run.errors();
            if (errors > 0) {
                line.append(", ").append(Report.count(errors)).append(" err");
            }
        }
        show(line.toString());
    }

    void show(String text) {
        if (!enabled) {
            return;
        }
        String padded = text.length() < lastWidth ? text + " ".repeat(lastWidth - text.length()) : text;
        out.print("\r" + padded);
        out.flush();
        lastWidth = text.length();
    }

    void clear() {
        if (enabled && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            out.flush();
            lastWidth = 0;
        }
    }
}

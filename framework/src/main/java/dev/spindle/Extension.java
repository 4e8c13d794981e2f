package dev.spindle;

import dev.spindle.json.JsonMapper;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;

/**
 * Something installed on an app before it starts that adds routes, meters or background work of its
 * own, like a Javalin plugin or a Flask extension's {@code init_app}. Spindle's background jobs are
 * one ({@code Jobs.install(app, settings -> …)} installs them); the core knows extensions only
 * through this interface.
 * <pre>{@code
 * final class Health implements Extension {
 *     public void install(Extension.Setup setup) {
 *         setup.app().get("/health", ctx -> Map.of("status", "UP"), route -> route.nonBlocking());
 *     }
 * }
 * app.install(new Health());
 * }</pre>
 */
@FunctionalInterface
public interface Extension {

    /** Declares what the extension adds. Called once, by {@link Spindle#install}, before the app starts. */
    void install(Setup setup);

    /**
     * What an extension can reach while it is installed. Valid during {@link #install} and, for
     * {@link #onStop}'s action and thread factories, for the life of the app.
     */
    interface Setup {

        /** The app: declare routes, groups, hooks and WebSocket routes on it. */
        Spindle app();

        /** The app's JSON mapper. */
        JsonMapper json();

        /** The app's meter registry, if it has one. */
        Optional<MeterRegistry> meterRegistry();

        /** The app's threading mode. */
        ThreadingMode threading();

        /**
         * A factory of threads for background work of the given mode, named
         * {@code spindle-<mode>-<name>-<n>} like every thread Spindle starts, with its uncaught
         * exceptions logged: virtual threads for {@link ThreadingMode#virtualThreads()}, platform
         * threads otherwise.
         */
        ThreadFactory threads(ThreadingMode mode, String name);

        /**
         * Runs {@code action} when the app stops, before the server drains its requests. Actions run
         * in reverse order of registration; one that throws is logged and the rest still run.
         */
        void onStop(Runnable action);
    }
}

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
     * {@link #onDrain}'s and {@link #onStop}'s actions and thread factories, for the life of the app.
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
         * Runs {@code action} at the start of {@link Spindle#stop()}: once the app answers new
         * requests with 503, and before it waits for the started ones to end. End here what waits for
         * an event rather than for work — a long poll, a stream a client follows — so that the stop
         * need not wait out the grace period for it: answer it now, with a last event if the client
         * should know why. Event streams and WebSockets still open after the drain actions are ended by
         * the app (WebSockets with {@code 1001}). The action must not block; it runs on the thread
         * that stops the app. Actions run in reverse order of registration; one that throws is logged
         * and the rest still run.
         */
        void onDrain(Runnable action);

        /**
         * Runs {@code action} when the app stops, after the started requests have ended (or the grace
         * period has run out) and before the server closes: stop background work here, which a
         * request finishing during the drain may still have handed over. Actions run in reverse order
         * of registration; one that throws is logged and the rest still run.
         */
        void onStop(Runnable action);
    }
}

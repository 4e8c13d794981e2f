/**
 * Spindle, a Flask-like micro web framework on Undertow with a pluggable threading model.
 *
 * <p>{@link dev.spindle.Spindle} is the app: it holds the routes, hooks and error handlers declared
 * on it, compiles them at {@code start()}, and owns its server. {@link dev.spindle.SpindleConfig}
 * holds the settings given once at creation. There is no static state: several apps can run in one
 * JVM, each on its own port.
 * <pre>{@code
 * var app = Spindle.create(config -> config.threading(ThreadingMode.threadPerRequest()));
 * app.get("/hello/{name}", ctx -> "Hello " + ctx.pathParam("name"));
 * app.start(8080);
 * }</pre>
 *
 * <p>The other API packages, one concern each: {@code http} (the request {@code Context} and what
 * handlers use), {@code routing} (declaring routes and groups), {@code threading}, {@code metrics},
 * {@code json}, {@code locks} and {@code jobs}. {@link dev.spindle.Extension} lets other code add to
 * an app. Everything under {@code dev.spindle.internal} is machinery, exported by the module to
 * nobody; {@code internal.server} is the only package that touches Undertow.
 */
package dev.spindle;

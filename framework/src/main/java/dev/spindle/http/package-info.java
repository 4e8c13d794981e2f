/**
 * What handlers see and use: {@link dev.spindle.http.Context} (the request and the response being
 * built, passed explicitly, Flask's {@code request} and {@code g} in one object),
 * {@link dev.spindle.http.Handler} and the hook interfaces, {@link dev.spindle.http.HttpException}
 * (Flask's {@code abort}), {@link dev.spindle.http.Problem} (the RFC 9457 body of every error) and
 * small value types ({@link dev.spindle.http.Cookie}, {@link dev.spindle.http.UploadedFile},
 * {@link dev.spindle.http.AttributeKey}).
 *
 * <p>The package knows no server: a {@code Context} reads the request through the
 * {@code ServerRequest} SPI, which the Undertow adapter implements.
 *
 * <p><b>Threading:</b> a {@code Context} belongs to one request and is used by one thread at a time;
 * see each type for the thread that calls it.
 */
package dev.spindle.http;

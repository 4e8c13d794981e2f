/**
 * What handlers see and use: {@link dev.spindle.http.Context} (the request and the response being
 * built, passed explicitly: Flask's {@code request}, {@code g} and response in one parameter),
 * {@link dev.spindle.http.Handler} and the hook interfaces, {@link dev.spindle.http.HttpException}
 * (Flask's {@code abort}), {@link dev.spindle.http.Problem} (the RFC 9457 body of every error),
 * {@link dev.spindle.http.EventSink} for server-sent events, WebSocket sessions, and small value
 * types ({@link dev.spindle.http.Cookie}, {@link dev.spindle.http.UploadedFile},
 * {@link dev.spindle.http.AttributeKey}).
 *
 * <p>The package knows no server and holds no machinery: its types are interfaces, values and
 * exceptions. Spindle implements {@code Context} internally and creates one per request; the
 * pipeline's own steps (rendering a returned value, resetting the response for an error, handing
 * the finished response to the server) are not part of it, so a handler cannot call them.
 *
 * <p><b>Threading:</b> a {@code Context} belongs to one request and is used by one thread at a time;
 * see each type for the thread that calls it.
 */
package dev.spindle.http;

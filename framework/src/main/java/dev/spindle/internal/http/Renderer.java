package dev.spindle.internal.http;

import dev.spindle.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Writes a handler's returned value as the response body, by the value's type, the contract
 * {@link dev.spindle.http.Handler} documents. It goes through the public {@link Context} methods,
 * so a returned value is written exactly as the handler could have written it itself.
 */
final class Renderer {

    private Renderer() {
    }

    /**
     * The context itself counts as "already written": fluent calls such as
     * {@code return ctx.status(201).json(x)} return it.
     */
    static void render(Object value, Context ctx) {
        switch (value) {
            case null -> { }
            case Context written -> { }
            case String text when text.startsWith("<") -> ctx.html(text);
            case String text -> ctx.text(text);
            case byte[] bytes -> ctx.contentType("application/octet-stream").responseBody(bytes);
            case InputStream stream -> ctx.contentType("application/octet-stream").responseBody(readAll(stream));
            default -> ctx.json(value);
        }
    }

    private static byte[] readAll(InputStream stream) {
        try (stream) {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

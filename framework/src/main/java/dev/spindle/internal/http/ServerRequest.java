package dev.spindle.internal.http;

import dev.spindle.http.UploadedFile;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What the server adapter knows about a request: raw facts only, so that everything a
 * {@link dev.spindle.http.Context} does on top of them (typed parameters, JSON and form bodies,
 * content negotiation) is written once, independent of the server. Implemented by the adapter.
 *
 * <p><b>Threading:</b> filled on the IO thread before the handler runs and read-only afterwards;
 * the hand-over to the handler thread happens through the dispatcher's executor, which publishes it.
 */
public interface ServerRequest {

    String method();

    /** The decoded request path, without the query string. */
    String path();

    /** The raw query string, without {@code ?}, or an empty string. */
    String queryString();

    /** Decoded query parameters in request order; unmodifiable. */
    Map<String, List<String>> queryParams();

    /** The first value of a request header (case-insensitive name), or {@code null}. */
    String header(String name);

    /** All values of a request header. */
    List<String> headers(String name);

    Collection<String> headerNames();

    /** Request cookies by name, the first of a repeated name; unmodifiable. */
    Map<String, String> cookies();

    /**
     * The whole request body (empty if none): already received, or, on a streaming route, read
     * from the network on first call.
     */
    byte[] body();

    /** The body as a stream: from memory, or from the network on a streaming route. */
    default InputStream bodyStream() {
        return new ByteArrayInputStream(body());
    }

    /** {@code http} or {@code https}. */
    String scheme();

    /** The host the client addressed, from {@code Host}. */
    String host();

    /** The client's address as {@code ip:port}. */
    String remoteAddress();

    /** Parts of a {@code multipart/form-data} body: fields and files. */
    Multipart multipart();

    /**
     * A parsed multipart body.
     *
     * @param fields form fields by name
     * @param files uploaded files by field name
     */
    record Multipart(Map<String, List<String>> fields, Map<String, List<UploadedFile>> files) {
        public static final Multipart EMPTY = new Multipart(Map.of(), Map.of());
    }
}

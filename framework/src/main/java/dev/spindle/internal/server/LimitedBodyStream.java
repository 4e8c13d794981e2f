package dev.spindle.internal.server;

import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import io.undertow.server.RequestTooBigException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The body stream of a streaming route ({@link StreamedBody}), with its failures
 * turned into answers the error pipeline understands: "entity too large" into a 413, and a body
 * that ended early or was malformed (the client closed mid-body, broken chunk framing or trailers;
 * for a trailer name that is not a token Undertow's decoder throws IllegalArgumentException) into
 * a 400 rather than a logged 500.
 */
final class LimitedBodyStream extends FilterInputStream {

    LimitedBodyStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (RequestTooBigException e) {
            throw tooLarge();
        } catch (IOException | IllegalArgumentException e) {
            throw endedEarly();
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return super.read(buffer, offset, length);
        } catch (RequestTooBigException e) {
            throw tooLarge();
        } catch (IOException | IllegalArgumentException e) {
            throw endedEarly();
        }
    }

    private static HttpException endedEarly() {
        return new HttpException(HttpStatus.BAD_REQUEST, "The request body ended early or was malformed");
    }

    private static HttpException tooLarge() {
        return new HttpException(HttpStatus.PAYLOAD_TOO_LARGE, "The request body exceeds this route's limit");
    }
}

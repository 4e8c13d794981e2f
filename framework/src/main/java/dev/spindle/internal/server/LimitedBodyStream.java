package dev.spindle.internal.server;

import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import io.undertow.server.RequestTooBigException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The body stream of a streaming route: Undertow's blocking request stream, with its "entity too
 * large" failure turned into a 413 the error pipeline understands.
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
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return super.read(buffer, offset, length);
        } catch (RequestTooBigException e) {
            throw tooLarge();
        }
    }

    private static HttpException tooLarge() {
        return new HttpException(HttpStatus.PAYLOAD_TOO_LARGE, "The request body exceeds this route's limit");
    }
}

package dev.spindle.internal.server;

import io.undertow.util.HttpString;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Request ids: the client's {@code X-Request-Id} when it is short and plain, otherwise 16 random hex digits. */
final class RequestIds {

    static final HttpString HEADER = HttpString.tryFromString("X-Request-Id");
    private static final HexFormat HEX = HexFormat.of();

    private RequestIds() {
    }

    static String of(String fromClient) {
        if (fromClient != null && isPlain(fromClient)) {
            return fromClient;
        }
        return HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    private static boolean isPlain(String id) {
        if (id.isEmpty() || id.length() > 64) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!plain) {
                return false;
            }
        }
        return true;
    }
}

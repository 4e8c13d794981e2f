package dev.spindle.internal.routing;

import java.nio.charset.StandardCharsets;

/** RFC 3986 percent-encoding for building URLs in reverse routing. */
final class PercentEncoding {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PercentEncoding() {
    }

    /** Encodes everything but unreserved characters. */
    static String encodeSegment(String text) {
        return encode(text, false);
    }

    /** As {@link #encodeSegment}, keeping {@code /}. */
    static String encodePath(String text) {
        return encode(text, true);
    }

    /** For query strings: as {@link #encodeSegment}. */
    static String encodeQuery(String text) {
        return encode(text, false);
    }

    private static String encode(String text, boolean keepSlash) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/')) {
                out.append(c);
            } else {
                out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
            }
        }
        return out.toString();
    }
}

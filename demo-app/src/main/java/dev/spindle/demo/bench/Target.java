package dev.spindle.demo.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * A server to load, decided from its URL's text alone: {@link #parse} reads the host as written
 * and refuses anything but a loopback IP literal or {@code localhost} unless remote targets are
 * allowed. It never resolves a name or opens a socket, so a refused URL has sent nothing anywhere.
 *
 * @param label    the name the reports use for this target
 * @param baseUrl  scheme, host and port, without a trailing slash
 * @param host     the host as written in the URL ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}, …)
 * @param literal  the address bytes when the host is an IP literal or {@code localhost}; {@code null}
 *                 for a host name, which only {@code --allow-remote} lets through
 * @param port     the TCP port
 */
public record Target(String label, String baseUrl, String host, byte[] literal, int port) {

    /** Why a URL was refused; its message is meant for the terminal. */
    public static final class RefusedException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }

    private static final byte[] LOCALHOST = {127, 0, 0, 1};

    /**
     * The target at {@code url}, a pure function of its arguments: no name lookup, no socket.
     *
     * @param label       the report's name for it; {@code null} or blank: {@code host:port}
     * @param url         {@code http://HOST:PORT} with an optional path, which is ignored
     * @param allowRemote whether a host other than loopback may be loaded ({@code --allow-remote})
     * @throws RefusedException naming the URL and what is wrong with it
     */
    public static Target parse(String label, String url, boolean allowRemote) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new RefusedException("'" + url + "' is not a URL: " + e.getReason());
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new RefusedException("'" + url + "': bench speaks plain http:// only");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new RefusedException("'" + url + "' has no host bench can read: it loads only 127.0.0.0/8, [::1] "
                    + "or localhost, written as such, unless --allow-remote");
        }
        if (uri.getUserInfo() != null) {
            throw new RefusedException("'" + url + "': user information in the URL is not supported");
        }
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        byte[] literal = literal(host);
        boolean loopback = literal != null && isLoopback(literal);
        if (!loopback && !allowRemote) {
            throw new RefusedException("'" + url + "' is not on this machine: bench loads only 127.0.0.0/8, [::1] "
                    + "or localhost, written as such in the URL (no name is looked up). Add --allow-remote to load "
                    + "another machine you are allowed to load.");
        }
        String name = label == null || label.isBlank() ? host + ":" + port : label;
        return new Target(name, "http://" + host + ":" + port, host, literal, port);
    }

    /** Parses {@code LABEL=URL} or a bare {@code URL}, as {@code --url} takes it. */
    public static Target parseOption(String option, boolean allowRemote) {
        int equals = option.indexOf('=');
        int scheme = option.indexOf("://");
        if (equals > 0 && (scheme < 0 || equals < scheme)) {
            return parse(option.substring(0, equals), option.substring(equals + 1), allowRemote);
        }
        return parse(null, option, allowRemote);
    }

    /** Whether the target is on this machine (a loopback literal or {@code localhost}). */
    public boolean loopback() {
        return literal != null && isLoopback(literal);
    }

    /**
     * The address to connect to. For a literal (and {@code localhost}, read as 127.0.0.1) this makes
     * no lookup; a host name, allowed only with {@code --allow-remote}, is resolved here.
     */
    InetSocketAddress socketAddress() throws UnknownHostException {
        if (literal != null) {
            return new InetSocketAddress(InetAddress.getByAddress(host, literal.clone()), port);
        }
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /** {@code http://ADDRESS:PORT} with {@code localhost} written as 127.0.0.1, so no client looks it up. */
    String controlBase() {
        String address = host.equalsIgnoreCase("localhost") ? "127.0.0.1" : host;
        return "http://" + address + ":" + port;
    }

    /** The {@code Host} header value. */
    String hostHeader() {
        return port == 80 ? host : host + ":" + port;
    }

    /** 4 or 16 address bytes when {@code host} is an IP literal or {@code localhost}, else {@code null}. */
    static byte[] literal(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        if (lower.equals("localhost")) {
            return LOCALHOST.clone();
        }
        if (lower.startsWith("[") && lower.endsWith("]")) {
            return ipv6(lower.substring(1, lower.length() - 1));
        }
        return ipv4(lower);
    }

    static boolean isLoopback(byte[] address) {
        if (address.length == 4) {
            return address[0] == 127;
        }
        for (int i = 0; i < 15; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[15] == 1;
    }

    /** Strict dotted quad: four decimal parts 0-255 (no shorthand such as {@code 127.1}). */
    private static byte[] ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] address = new byte[4];
        for (int i = 0; i < 4; i++) {
            int value = decimal(parts[i]);
            if (value < 0 || value > 255) {
                return null;
            }
            address[i] = (byte) value;
        }
        return address;
    }

    private static int decimal(String part) {
        if (part.isEmpty() || part.length() > 3) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** RFC 4291 text form: hex groups with at most one {@code ::}, optionally ending in a dotted quad. */
    private static byte[] ipv6(String text) {
        if (text.indexOf('%') >= 0) {
            return null;
        }
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap >= 0 ? text.substring(0, gap) : text;
        String tail = gap >= 0 ? text.substring(gap + 2) : "";
        int[] front = groups(head);
        int[] back = groups(tail);
        if (front == null || back == null) {
            return null;
        }
        int total = front.length + back.length;
        if (gap < 0 ? total != 8 : total > 7) {
            return null;
        }
        byte[] address = new byte[16];
        for (int i = 0; i < front.length; i++) {
            address[2 * i] = (byte) (front[i] >> 8);
            address[2 * i + 1] = (byte) front[i];
        }
        for (int i = 0; i < back.length; i++) {
            int at = 8 - back.length + i;
            address[2 * at] = (byte) (back[i] >> 8);
            address[2 * at + 1] = (byte) back[i];
        }
        return address;
    }

    /** The 16-bit groups of one side of {@code ::}; a trailing dotted quad counts as two groups. */
    private static int[] groups(String side) {
        if (side.isEmpty()) {
            return new int[0];
        }
        String[] parts = side.split(":", -1);
        int last = parts.length - 1;
        byte[] quad = parts[last].indexOf('.') >= 0 ? ipv4(parts[last]) : null;
        if (parts[last].indexOf('.') >= 0 && quad == null) {
            return null;
        }
        int[] groups = new int[quad == null ? parts.length : parts.length + 1];
        for (int i = 0; i < (quad == null ? parts.length : last); i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 4) {
                return null;
            }
            int value = 0;
            for (int j = 0; j < part.length(); j++) {
                int digit = Character.digit(part.charAt(j), 16);
                if (digit < 0) {
                    return null;
                }
                value = value * 16 + digit;
            }
            groups[i] = value;
        }
        if (quad != null) {
            groups[last] = (quad[0] & 0xff) << 8 | quad[1] & 0xff;
            groups[last + 1] = (quad[2] & 0xff) << 8 | quad[3] & 0xff;
        }
        return groups;
    }
}

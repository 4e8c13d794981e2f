package dev.spindle.jobs;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Callback URL checks against server-side request forgery: only http and https, no credentials in
 * the URL, and, unless allowed, no host that resolves to an address inside a network (loopback,
 * private, link-local such as cloud metadata at 169.254.169.254, carrier-grade NAT, unique-local
 * IPv6, multicast, unspecified, and IPv6 forms that embed one of these IPv4 addresses). Checked at
 * submission, and at every delivery attempt by the resolver the webhook client connects through, so
 * the addresses checked are the addresses connected to.
 *
 * <p>One exact URL may be exempt ({@link JobSettings#allowCallbackUrl}): a URL equal to it in scheme,
 * host, port, path and query skips the internal-address check at submission, and is delivered through
 * a resolver of its own ({@link #allowedAddresses}) that resolves only that host for that port.
 */
final class CallbackUrls {

    /** Turns a host name (or an address literal) into addresses. Tests answer without DNS. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    static final Resolver SYSTEM = InetAddress::getAllByName;

    private final Resolver resolver;
    private final Predicate<InetAddress> internal;
    private final boolean allowPrivate;
    private final Supplier<String> allowed;

    /**
     * @param internal which addresses callbacks may not reach ({@link #isInternal} but in tests)
     * @param allowPrivate whether to skip that check
     * @param allowed the one URL exempt from that check, read at every check; it or its value may be {@code null}
     */
    CallbackUrls(Resolver resolver, Predicate<InetAddress> internal, boolean allowPrivate, Supplier<String> allowed) {
        this.resolver = resolver;
        this.internal = internal;
        this.allowPrivate = allowPrivate;
        this.allowed = allowed;
    }

    /** A refused callback URL; the message is fit for the client. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The URL, if its scheme, host and lack of credentials are acceptable; nothing is resolved. */
    static URI parse(String url) throws Refused {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("callbackUrl is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused("callbackUrl must use http or https");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new Refused("callbackUrl needs a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Refused("callbackUrl must not contain credentials");
        }
        return uri;
    }

    /**
     * Checks a URL at submission: {@link #parse}, then {@link #addresses} of its host, or, for the
     * allowed URL, {@link #allowedAddresses}.
     */
    URI check(String url) throws Refused {
        URI uri = parse(url);
        try {
            if (isAllowed(uri)) {
                allowedAddresses(uri.getHost(), port(uri));
            } else {
                addresses(uri.getHost());
            }
        } catch (UnknownHostException e) {
            throw new Refused("callbackUrl's host cannot be resolved");
        }
        return uri;
    }

    /**
     * Resolves {@code host} once and returns the addresses to connect to, all of them checked.
     *
     * @throws Refused if any of them is internal and internal addresses are not allowed
     * @throws UnknownHostException if the host does not resolve
     */
    InetAddress[] addresses(String host) throws Refused, UnknownHostException {
        InetAddress[] addresses = resolver.resolve(host);
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException(host);
        }
        if (!allowPrivate) {
            for (InetAddress address : addresses) {
                if (internal.test(address)) {
                    throw new Refused("callbackUrl points to a loopback, private or link-local address");
                }
            }
        }
        return addresses.clone();
    }

    /** Whether {@code uri} is the allowed URL: the same scheme, host, port, path and query. */
    boolean isAllowed(URI uri) {
        URI exempt = allowedUri();
        return exempt != null && same(exempt, uri);
    }

    /**
     * The addresses of the allowed URL's host, internal or not, for a connection to {@code port}.
     *
     * @throws Refused if {@code host} and {@code port} are not the allowed URL's
     * @throws UnknownHostException if the host does not resolve
     */
    InetAddress[] allowedAddresses(String host, int port) throws Refused, UnknownHostException {
        URI exempt = allowedUri();
        if (exempt == null || !exempt.getHost().equalsIgnoreCase(host) || port(exempt) != port) {
            throw new Refused("callbackUrl points to a loopback, private or link-local address");
        }
        InetAddress[] addresses = resolver.resolve(host);
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException(host);
        }
        return addresses.clone();
    }

    /** The allowed URL now, or {@code null} if there is none (or it is not an acceptable URL). */
    private URI allowedUri() {
        String url = allowed == null ? null : allowed.get();
        if (url == null) {
            return null;
        }
        try {
            return parse(url);
        } catch (Refused e) {
            return null;
        }
    }

    private static boolean same(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b) && path(a).equals(path(b)) && Objects.equals(a.getRawQuery(), b.getRawQuery())
                && Objects.equals(a.getRawFragment(), b.getRawFragment());
    }

    private static String path(URI uri) {
        String path = uri.getRawPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    /** The port a connection to {@code uri} goes to. */
    static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    static boolean isInternal(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] ip = address.getAddress();
        if (address instanceof Inet4Address) {
            int a = ip[0] & 0xff;
            int b = ip[1] & 0xff;
            return a == 0                               // "this network"
                    || (a == 100 && b >= 64 && b < 128)  // carrier-grade NAT
                    || (a == 192 && b == 0 && (ip[2] & 0xff) == 0) // IETF protocol assignments
                    || (a == 198 && (b == 18 || b == 19))          // benchmarking
                    || a >= 240;                        // reserved and broadcast
        }
        if (address instanceof Inet6Address) {
            if ((ip[0] & 0xfe) == 0xfc) {               // unique local fc00::/7
                return true;
            }
            if (startsWith(ip, 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01)) {
                return true;                            // local-use NAT64 64:ff9b:1::/48: whatever it translates to is local
            }
            byte[] ipv4 = embeddedIpv4(ip);
            return ipv4 != null && isInternal(ipv4Address(ipv4));
        }
        return true;
    }

    /**
     * The IPv4 address an IPv6 address stands for, if it is one of the forms that reach it: NAT64
     * {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}, IPv4-mapped {@code ::ffff:0:0/96} and the
     * deprecated IPv4-compatible {@code ::/96}.
     */
    private static byte[] embeddedIpv4(byte[] ip) {
        if (startsWith(ip, 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0)
                || startsWith(ip, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff)
                || startsWith(ip, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) {
            return Arrays.copyOfRange(ip, 12, 16);
        }
        if (startsWith(ip, 0x20, 0x02)) {
            return Arrays.copyOfRange(ip, 2, 6);
        }
        return null;
    }

    private static boolean startsWith(byte[] ip, int... prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if ((ip[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress ipv4Address(byte[] ip) {
        try {
            return InetAddress.getByAddress(ip);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("Four bytes are an IPv4 address", e);
        }
    }
}

package dev.spindle.demo.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The test JVM's name resolver (installed through {@code META-INF/services}): it records every
 * name looked up, answers names under {@code .invalid} (RFC 6761: never resolvable) with
 * {@link UnknownHostException} itself, so they never reach DNS, and hands every other name to the
 * JDK's built-in resolver.
 */
public final class RecordingResolver extends InetAddressResolverProvider {

    private static final List<String> LOOKUPS = new CopyOnWriteArrayList<>();

    /** Every host name looked up in this JVM so far (address-to-name lookups as {@code reverse:ADDRESS}). */
    static List<String> lookups() {
        return List.copyOf(LOOKUPS);
    }

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                LOOKUPS.add(host);
                if (host.endsWith(".invalid")) {
                    throw new UnknownHostException(host + " (a test name: never looked up)");
                }
                return builtin.lookupByName(host, policy);
            }

            @Override
            public String lookupByAddress(byte[] address) throws UnknownHostException {
                LOOKUPS.add("reverse:" + InetAddress.getByAddress(address).getHostAddress());
                return builtin.lookupByAddress(address);
            }
        };
    }

    @Override
    public String name() {
        return "bench test recorder";
    }
}

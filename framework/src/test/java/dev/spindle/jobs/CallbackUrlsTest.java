package dev.spindle.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which addresses callbacks may reach. Pure: address literals only, nothing is looked up. */
class CallbackUrlsTest {

    private static InetAddress literal(String address) throws UnknownHostException {
        return InetAddress.getByName(address);   // a literal: parsed, never resolved
    }

    /** {@code ::ffff:<ipv4>} (or {@code ::<ipv4>}) kept as IPv6, which a literal would not be: the JDK turns mapped literals into IPv4. */
    private static InetAddress ipv6(String ipv4, boolean mapped) throws UnknownHostException {
        byte[] address = new byte[16];
        if (mapped) {
            address[10] = (byte) 0xff;
            address[11] = (byte) 0xff;
        }
        System.arraycopy(literal(ipv4).getAddress(), 0, address, 12, 4);
        return Inet6Address.getByAddress(null, address, -1);
    }

    @Test
    void internal_ipv4_and_ipv6_addresses_are_recognised() throws Exception {
        for (String internal : List.of("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
                "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "224.0.0.1", "255.255.255.255")) {
            assertThat(CallbackUrls.isInternal(literal(internal))).as(internal).isTrue();
        }
        for (String external : List.of("93.184.216.34", "8.8.8.8", "2606:4700::1111")) {
            assertThat(CallbackUrls.isInternal(literal(external))).as(external).isFalse();
        }
    }

    @Test
    void nat64_addresses_are_as_internal_as_the_ipv4_address_they_translate_to() throws Exception {
        for (String internal : List.of("64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::c0a8:101",
                "64:ff9b::6440:1", "64:ff9b:1::8.8.8.8", "64:ff9b:1:abcd::1")) {
            assertThat(CallbackUrls.isInternal(literal(internal))).as(internal).isTrue();
        }
        for (String external : List.of("64:ff9b::808:808", "64:ff9b::5db8:d822")) {
            assertThat(CallbackUrls.isInternal(literal(external))).as(external).isFalse();
        }
    }

    @Test
    void sixto4_addresses_are_as_internal_as_the_ipv4_address_they_embed() throws Exception {
        for (String internal : List.of("2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe:1:2:3:4:5", "2002:c0a8:101::",
                "2002:ac10:504::", "2002::1")) {
            assertThat(CallbackUrls.isInternal(literal(internal))).as(internal).isTrue();
        }
        assertThat(CallbackUrls.isInternal(literal("2002:808:808::1"))).isFalse();
    }

    @Test
    void ipv4_mapped_and_compatible_forms_are_classified_by_their_ipv4_address() throws Exception {
        assertThat(ipv6("10.0.0.1", true)).isInstanceOf(Inet6Address.class);
        assertThat(CallbackUrls.isInternal(ipv6("10.0.0.1", true))).isTrue();
        assertThat(CallbackUrls.isInternal(ipv6("169.254.169.254", true))).isTrue();
        assertThat(CallbackUrls.isInternal(ipv6("10.0.0.1", false))).isTrue();
        assertThat(CallbackUrls.isInternal(ipv6("8.8.8.8", true))).isFalse();
        assertThat(CallbackUrls.isInternal(ipv6("8.8.8.8", false))).isFalse();
    }

    @Test
    void every_address_a_name_resolves_to_is_checked_and_exactly_those_are_returned() throws Exception {
        InetAddress open = literal("8.8.8.8");
        InetAddress internal = literal("10.0.0.1");
        var urls = new CallbackUrls(host -> new InetAddress[] {open, internal}, CallbackUrls::isInternal, false, null);
        assertThatThrownBy(() -> urls.addresses("hooks.test")).isInstanceOf(CallbackUrls.Refused.class)
                .hasMessage("callbackUrl points to a loopback, private or link-local address");
        var single = new CallbackUrls(host -> new InetAddress[] {open}, CallbackUrls::isInternal, false, null);
        assertThat(single.addresses("hooks.test")).containsExactly(open);
        var allowed = new CallbackUrls(host -> new InetAddress[] {open, internal}, CallbackUrls::isInternal, true, null);
        assertThat(allowed.addresses("hooks.test")).containsExactly(open, internal);
        var none = new CallbackUrls(host -> new InetAddress[0], CallbackUrls::isInternal, false, null);
        assertThatThrownBy(() -> none.addresses("hooks.test")).isInstanceOf(UnknownHostException.class);
        assertThatThrownBy(() -> none.check("http://hooks.test/")).isInstanceOf(CallbackUrls.Refused.class)
                .hasMessage("callbackUrl's host cannot be resolved");
    }

    @Test
    void only_the_allowed_url_itself_may_reach_an_internal_address() throws Exception {
        InetAddress loopback = literal("127.0.0.1");
        var urls = new CallbackUrls(host -> new InetAddress[] {loopback}, CallbackUrls::isInternal, false,
                () -> "http://127.0.0.1:8080/hooks/in");
        assertThat(urls.check("http://127.0.0.1:8080/hooks/in")).hasPath("/hooks/in");
        assertThat(urls.isAllowed(CallbackUrls.parse("HTTP://127.0.0.1:8080/hooks/in"))).isTrue();
        assertThat(urls.allowedAddresses("127.0.0.1", 8080)).containsExactly(loopback);
        for (String other : List.of("http://127.0.0.1:8081/hooks/in", "http://127.0.0.1:8080/hooks/in/x",
                "http://127.0.0.1:8080/hooks", "http://127.0.0.1:8080/hooks/in?x=1", "https://127.0.0.1:8080/hooks/in",
                "http://127.0.0.1/hooks/in", "http://localhost:8080/hooks/in")) {
            assertThatThrownBy(() -> urls.check(other)).as(other).isInstanceOf(CallbackUrls.Refused.class)
                    .hasMessage("callbackUrl points to a loopback, private or link-local address");
        }
        assertThatThrownBy(() -> urls.allowedAddresses("127.0.0.1", 8081)).isInstanceOf(CallbackUrls.Refused.class);
        assertThatThrownBy(() -> urls.allowedAddresses("localhost", 8080)).isInstanceOf(CallbackUrls.Refused.class);
        var defaultPort = new CallbackUrls(host -> new InetAddress[] {loopback}, CallbackUrls::isInternal, false,
                () -> "http://127.0.0.1/in");
        assertThat(defaultPort.isAllowed(CallbackUrls.parse("http://127.0.0.1:80/in"))).isTrue();
        var notYet = new CallbackUrls(host -> new InetAddress[] {loopback}, CallbackUrls::isInternal, false, () -> null);
        assertThatThrownBy(() -> notYet.check("http://127.0.0.1:8080/hooks/in")).isInstanceOf(CallbackUrls.Refused.class);
        assertThatThrownBy(() -> notYet.allowedAddresses("127.0.0.1", 8080)).isInstanceOf(CallbackUrls.Refused.class);
    }
}

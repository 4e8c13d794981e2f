package dev.spindle.demo.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.demo.DemoCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bench loads only this machine unless told otherwise, and decides so from the URL's text: the
 * refusal happens before any name lookup or socket. The test JVM's resolver is
 * {@link RecordingResolver}, which records every lookup, so "no lookup" is observed, not assumed.
 */
class TargetTest {

    @Test
    void the_recording_resolver_sees_every_lookup_in_this_jvm() {
        assertThatThrownBy(() -> InetAddress.getByName("resolver-probe.invalid")).isInstanceOf(UnknownHostException.class);
        assertThat(RecordingResolver.lookups()).contains("resolver-probe.invalid");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "http://bench-target.invalid:8080",          // a name: would need a lookup
        "http://127.0.0.1.bench.invalid/",           // looks like loopback, is a name
        "http://localhost.bench.invalid:80",
        "http://10.0.0.1:8080",                      // private range
        "http://192.168.1.20",
        "http://0.0.0.0:8080",                       // "any", not loopback
        "http://127.1:8080",                         // shorthand the resolver would expand: not read as a literal
        "http://2130706433:8080",                    // 127.0.0.1 as one number, likewise
        "http://[::ffff:10.0.0.1]:8080",
        "http://[2001:db8::1]:8080",
        "http://[::]:8080"})
    void a_target_off_this_machine_is_refused_without_a_lookup(String url) {
        int before = RecordingResolver.lookups().size();
        assertThatThrownBy(() -> Target.parse(null, url, false))
                .isInstanceOf(Target.RefusedException.class)
                .hasMessageContaining("--allow-remote");
        assertThat(RecordingResolver.lookups().subList(before, RecordingResolver.lookups().size())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8080", "http://127.8.9.10:1/", "http://localhost:8080",
        "http://LOCALHOST:8080/fast", "http://[::1]:8080", "http://[0:0:0:0:0:0:0:1]:8080"})
    void loopback_literals_and_localhost_are_accepted_without_a_lookup(String url) {
        int before = RecordingResolver.lookups().size();
        Target target = Target.parse("x", url, false);
        assertThat(target.loopback()).isTrue();
        assertThat(RecordingResolver.lookups().subList(before, RecordingResolver.lookups().size())).isEmpty();
    }

    @Test
    void other_schemes_and_malformed_urls_are_refused() {
        assertThatThrownBy(() -> Target.parse(null, "https://127.0.0.1:8443", false)).hasMessageContaining("http://");
        assertThatThrownBy(() -> Target.parse(null, "127.0.0.1:8080", false)).isInstanceOf(Target.RefusedException.class);
        assertThatThrownBy(() -> Target.parse(null, "http://", false)).isInstanceOf(Target.RefusedException.class);
    }

    @Test
    void allow_remote_lets_a_name_through_still_without_a_lookup_at_parse_time() {
        int before = RecordingResolver.lookups().size();
        Target target = Target.parse(null, "http://bench-target.invalid:8080", true);
        assertThat(target.loopback()).isFalse();
        assertThat(target.label()).isEqualTo("bench-target.invalid:8080");
        assertThat(RecordingResolver.lookups().subList(before, RecordingResolver.lookups().size())).isEmpty();
    }

    @Test
    void a_label_may_precede_the_url() {
        assertThat(Target.parseOption("flask=http://127.0.0.1:5000", false).label()).isEqualTo("flask");
        assertThat(Target.parseOption("http://127.0.0.1:5000/?a=b", false).label()).isEqualTo("127.0.0.1:5000");
    }

    @Test
    void bench_refuses_a_remote_url_with_exit_2_before_it_does_anything(@TempDir Path out) throws Exception {
        int before = RecordingResolver.lookups().size();
        StringWriter err = new StringWriter();
        StringWriter stdout = new StringWriter();
        // A loopback target first: had bench started on it, the output would say so.
        int exit = DemoCommand.commandLine(new DemoCommand()).setOut(new PrintWriter(stdout)).setErr(new PrintWriter(err))
                .execute("bench", "--url", "http://127.0.0.1:9", "--url", "far=http://bench-target.invalid:8080",
                        "--out", out.resolve("reports").toString());
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--url refused", "bench-target.invalid", "--allow-remote");
        assertThat(stdout.toString()).isEmpty();
        assertThat(Files.exists(out.resolve("reports"))).isFalse();
        assertThat(RecordingResolver.lookups().subList(before, RecordingResolver.lookups().size())).isEmpty();
    }
}

package dev.spindle.demo.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScrapeTest {

    private static final String BEFORE = """
            # HELP spindle_request_queued_seconds time waited for a thread
            # TYPE spindle_request_queued_seconds histogram
            spindle_request_queued_seconds_bucket{method="GET",mode="pool",outcome="started",uri="/fast",le="0.001"} 10
            spindle_request_queued_seconds_bucket{method="GET",mode="pool",outcome="started",uri="/fast",le="0.01"} 10
            spindle_request_queued_seconds_bucket{method="GET",mode="pool",outcome="started",uri="/fast",le="0.1"} 10
            spindle_request_queued_seconds_bucket{method="GET",mode="pool",outcome="started",uri="/fast",le="+Inf"} 10
            spindle_request_queued_seconds_count{method="GET",mode="pool",outcome="started",uri="/fast"} 10
            spindle_request_queued_seconds_count{method="GET",mode="pool",outcome="refused",uri="/slow"} 1
            spindle_request_blocked_seconds_total{blocker="/slow",mode="pool",uri="/fast"} 0.5
            spindle_dispatcher_active{dispatcher="app",mode="pool"} 2.0
            spindle_dispatcher_active{dispatcher="io",mode="io"} 1.0
            """;

    private static final String AFTER = """
            spindle_request_queued_seconds_bucket{method="GET",mode="pool",outcome="started",uri="/fast",le="0.001"} 60
            spindle_request_queued_seconds_bucket{method="GET",mode="pool",outcome="started",uri="/fast",le="0.01"} 100
            spindle_request_queued_seconds_bucket{method="GET",mode="pool",outcome="started",uri="/fast",le="0.1"} 110
            spindle_request_queued_seconds_bucket{method="GET",mode="pool",outcome="started",uri="/fast",le="+Inf"} 110
            spindle_request_queued_seconds_count{method="GET",mode="pool",outcome="started",uri="/fast"} 110
            spindle_request_queued_seconds_count{method="GET",mode="pool",outcome="refused",uri="/slow"} 8
            spindle_request_queued_seconds_count{method="GET",mode="pool",outcome="started",uri="/metrics"} 3
            spindle_request_blocked_seconds_total{blocker="/slow",mode="pool",uri="/fast"} 2.0
            spindle_request_blocked_seconds_total{blocker="/cpu",mode="pool",uri="/fast"} 0.25
            jvm_threads_live_threads{mode="pool"} 17.0
            """;

    @Test
    void samples_keep_their_name_labels_and_value() {
        Scrape scrape = Scrape.parse(BEFORE);
        assertThat(scrape.isSpindle()).isTrue();
        assertThat(scrape.sum("spindle_dispatcher_active", s -> !s.label("dispatcher").equals("io"))).isEqualTo(2.0);
        assertThat(scrape.named("spindle_request_queued_seconds_bucket", s -> s.label("le").equals("+Inf")))
                .singleElement().extracting(Scrape.Sample::value).isEqualTo(10.0);
        assertThat(Scrape.parse("jvm_threads_live_threads 17").isSpindle()).isFalse();
    }

    @Test
    void a_histogram_quantile_covers_only_what_was_recorded_between_the_scrapes() {
        Scrape before = Scrape.parse(BEFORE);
        Scrape after = Scrape.parse(AFTER);
        // 100 new requests: 50 in <= 1 ms, 40 more <= 10 ms, 10 more <= 100 ms
        assertThat(after.quantile(before, "spindle_request_queued_seconds", s -> true, 0.50)).isEqualTo(0.001);
        assertThat(after.quantile(before, "spindle_request_queued_seconds", s -> true, 0.90)).isEqualTo(0.01);
        assertThat(after.quantile(before, "spindle_request_queued_seconds", s -> true, 0.99)).isEqualTo(0.1);
        assertThat(after.quantile(after, "spindle_request_queued_seconds", s -> true, 0.99)).isNaN();
    }

    @Test
    void spindle_stats_hold_the_steps_queue_wait_blocked_by_and_refusals() {
        BenchResult.SpindleStats stats = Bench.spindleStats(Scrape.parse(BEFORE), Scrape.parse(AFTER));

        assertThat(stats.queueWaitP99Ms()).isEqualTo(Map.of("/fast", 100.0));
        assertThat(stats.refused()).isEqualTo(Map.of("/slow", 7L));
        assertThat(stats.expired()).isEmpty();
        assertThat(stats.blocked()).extracting(BenchResult.Blocked::uri, BenchResult.Blocked::blocker)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("/fast", "/slow"),
                        org.assertj.core.groups.Tuple.tuple("/fast", "/cpu"));
        assertThat(stats.blocked().stream().filter(b -> b.blocker().equals("/slow")).findFirst().orElseThrow().seconds())
                .isCloseTo(1.5, within(1e-9));
        assertThat(List.copyOf(stats.queueWaitP99Ms().keySet())).doesNotContain("/metrics");
    }
}

package dev.spindle.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.metrics.RequestSpan;
import dev.spindle.metrics.RequestSpans;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The span ring's bookkeeping: its size, what a slow reader loses, and when it records. */
class SpanRingTest {

    private static void record(SpanRing ring, int count) {
        for (int i = 0; i < count; i++) {
            ring.record(sequence -> new RequestSpan(sequence, "GET", "/r", "app", "t", 1, false, 0, 0, 0, 200,
                    RequestSpan.Outcome.RAN, List.of()));
        }
    }

    @Test
    void capacity_rounds_up_to_a_power_of_two() {
        assertThat(new SpanRing(1).capacity()).isEqualTo(1);
        assertThat(new SpanRing(5).capacity()).isEqualTo(8);
        assertThat(new SpanRing(4096).capacity()).isEqualTo(4096);
    }

    @Test
    void a_reader_that_falls_a_lap_behind_gets_the_newest_spans_and_counts_the_rest_as_missed() {
        SpanRing ring = new SpanRing(4);
        try (RequestSpans.Subscription reader = ring.subscribe()) {
            record(ring, 10);
            assertThat(reader.poll()).extracting(RequestSpan::sequence).containsExactly(6L, 7L, 8L, 9L);
            assertThat(reader.missed()).isEqualTo(6);
            record(ring, 2);
            assertThat(reader.poll()).extracting(RequestSpan::sequence).containsExactly(10L, 11L);
            assertThat(reader.poll()).isEmpty();
        }
    }

    @Test
    void recording_lasts_while_any_subscription_is_open() {
        SpanRing ring = new SpanRing(8);
        RequestSpans.Subscription first = ring.subscribe();
        RequestSpans.Subscription second = ring.subscribe();
        first.close();
        first.close();
        assertThat(ring.recording()).isTrue();
        second.close();
        assertThat(ring.recording()).isFalse();
    }
}

package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeldAllTest {

    @Test
    void closes_each_handle_once_in_reverse_order() {
        List<String> closed = new ArrayList<>();
        Held first = () -> closed.add("first");
        Held second = () -> closed.add("second");
        Held both = Held.all(List.of(first, second));

        both.close();
        both.close();

        assertThat(closed).containsExactly("second", "first");
    }

    @Test
    void holds_a_mutex_and_a_limiter_permit_together_and_releases_both() {
        Mutex mutex = Mutex.create("held-all");
        Limiter limiter = Limiter.create("held-all", 1);

        try (Held both = Held.all(List.of(mutex.acquire(), limiter.acquire()))) {
            assertThat(mutex.isHeldByCurrentThread()).isTrue();
            assertThat(limiter.tryAcquire()).isEmpty();
        }

        assertThat(mutex.isHeldByCurrentThread()).isFalse();
        assertThat(limiter.tryAcquire()).isPresent();
    }
}

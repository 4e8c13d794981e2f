package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuardedTest {

    @Test
    void an_immutable_value_is_updated_read_and_snapshotted() {
        Guarded<Long> hits = Guarded.of("hits", 0L);
        assertThat(hits.update(n -> n + 1)).isEqualTo(1L);
        assertThat(hits.update(n -> n + 41)).isEqualTo(42L);
        boolean big = hits.read(n -> n > 40);
        assertThat(big).isTrue();
        assertThat(hits.get()).isEqualTo(42L);
        long same = hits.read(n -> n);
        assertThat(same).as("an immutable value may be returned as is").isEqualTo(42L);
        assertThat(hits.name()).isEqualTo("hits");
    }

    @Test
    void a_mutable_value_never_leaves_its_lock_through_the_api() {
        Guarded<Map<String, Integer>> stock = Guarded.builder("stock", (Map<String, Integer>) new HashMap<String, Integer>())
                .snapshot(Map::copyOf)
                .build();
        stock.mutate(m -> m.put("apple", 3));
        stock.mutate(m -> m.merge("apple", -1, Integer::sum));
        int apples = stock.read(m -> m.get("apple"));
        assertThat(apples).isEqualTo(2);

        Map<String, Integer> copy = stock.get();
        assertThat(copy).containsExactly(Map.entry("apple", 2));
        assertThatThrownBy(() -> copy.put("pear", 1)).as("the snapshot is an immutable copy")
                .isInstanceOf(UnsupportedOperationException.class);

        assertThatThrownBy(() -> stock.read(m -> m))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'stock'")
                .hasMessageContaining("escape its lock");

        Map<String, Integer> updated = stock.update(m -> {
            m.put("pear", 5);
            return m;
        });
        assertThat(updated).containsEntry("pear", 5);
        assertThatThrownBy(() -> updated.put("fig", 1)).isInstanceOf(UnsupportedOperationException.class);
        int size = stock.read(Map::size);
        assertThat(size).isEqualTo(2);
    }

    @Test
    void functions_may_call_back_into_the_same_guarded_value() {
        Guarded<Integer> value = Guarded.of("value", 1);
        assertThat(value.update(v -> v + value.get())).isEqualTo(2);
    }

    @Test
    void a_failing_function_leaves_the_value_unchanged_and_the_lock_free() throws Exception {
        Guarded<Integer> value = Guarded.of("value", 1);
        assertThatThrownBy(() -> value.update(v -> {
            throw new IllegalArgumentException("no");
        })).hasMessage("no");
        assertThat(TestThreads.start("other", () -> value.update(v -> v + 1)).join()).isEqualTo(2);
    }
}

package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReadWriteMutexTest {

    private final ReadWriteMutex prices = ReadWriteMutex.create("prices");

    @Test
    void readers_hold_the_lock_together() throws Exception {
        CyclicBarrier bothInside = new CyclicBarrier(2);
        var reader = TestThreads.start("reader", () -> {
            try (var reading = prices.read()) {
                bothInside.await(TestThreads.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            }
            return null;
        });
        try (var reading = prices.read()) {
            // Both readers must be inside at once for the barrier to open; an exclusive lock would time it out.
            bothInside.await(TestThreads.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }
        reader.join();
    }

    @Test
    void a_writer_excludes_readers_and_writers() throws Exception {
        try (var writing = prices.write()) {
            assertThat(prices.isWriteHeldByCurrentThread()).isTrue();
            assertThat(TestThreads.start("reader", () -> prices.tryRead().isPresent()).join()).isFalse();
            assertThat(TestThreads.start("writer", () -> prices.tryWrite().isPresent()).join()).isFalse();
            assertThatThrownBy(() -> TestThreads.start("timed", () -> prices.read(Duration.ofMillis(10))).join())
                    .hasCauseInstanceOf(LockTimeoutException.class)
                    .cause().hasMessage("Lock 'prices' not acquired within 10 ms");
        }
        assertThat(TestThreads.start("writer", () -> {
            try (var writing = prices.write(Duration.ZERO)) {
                return prices.isWriteHeldByCurrentThread();
            }
        }).join()).isTrue();
    }

    @Test
    void a_reader_keeps_writers_out_until_it_leaves() throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        var reader = TestThreads.start("reader", () -> {
            try (var held = prices.read()) {
                reading.countDown();
                leave.await();
            }
            return null;
        });
        reading.await();
        assertThatThrownBy(() -> prices.write(Duration.ofMillis(10))).isInstanceOf(LockTimeoutException.class);
        leave.countDown();
        reader.join();
        try (var writing = prices.write(Duration.ZERO)) {
            assertThat(prices.isWriteHeldByCurrentThread()).isTrue();
        }
    }

    @Test
    void upgrading_read_to_write_is_refused_at_once_instead_of_deadlocking() throws Exception {
        // On its own thread with a bounded join: a lock that let the upgrade wait would fail the join, not hang the suite.
        var reader = TestThreads.start("reader", () -> {
            try (var reading = prices.read()) {
                assertThatThrownBy(prices::write)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("holds the read lock of 'prices'")
                        .hasMessageContaining("Release the read lock first");
                assertThatThrownBy(prices::writeInterruptibly).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(() -> prices.write(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(prices::tryWrite).isInstanceOf(IllegalStateException.class);
                assertThat(prices.readHoldCount()).as("the refusal leaves the read lock held").isEqualTo(1);
            }
            assertThat(prices.readHoldCount()).isZero();
            try (var writing = prices.write()) {
                return prices.isWriteHeldByCurrentThread();
            }
        });
        assertThat(reader.join()).isTrue();
    }

    @Test
    void a_writer_may_read_and_write_again() throws Exception {
        try (var writing = prices.write(); var again = prices.write(); var reading = prices.read()) {
            assertThat(prices.isWriteHeldByCurrentThread()).isTrue();
            assertThat(prices.readHoldCount()).isEqualTo(1);
        }
        assertThat(prices.isWriteHeldByCurrentThread()).isFalse();
        assertThat(prices.readHoldCount()).isZero();
    }

    @Test
    void downgrading_keeps_a_read_lock_that_lets_readers_in_and_writers_not() throws Exception {
        ReadWriteMutex.Writing writing = prices.write();
        Held reading = writing.downgrade();
        assertThat(prices.isWriteHeldByCurrentThread()).isFalse();
        assertThat(prices.readHoldCount()).isEqualTo(1);
        assertThat(TestThreads.start("reader", () -> {
            var maybe = prices.tryRead();
            maybe.ifPresent(Held::close);
            return maybe.isPresent();
        }).join()).isTrue();
        assertThat(TestThreads.start("writer", () -> prices.tryWrite().isPresent()).join()).isFalse();

        writing.close();
        assertThat(prices.readHoldCount()).as("closing the downgraded write handle does nothing").isEqualTo(1);
        assertThatThrownBy(writing::downgrade).isInstanceOf(IllegalStateException.class);

        reading.close();
        assertThat(TestThreads.start("writer", () -> {
            var maybe = prices.tryWrite();
            maybe.ifPresent(Held::close);
            return maybe.isPresent();
        }).join()).isTrue();
    }

    @Test
    void an_interrupted_writer_stops_waiting_and_holds_nothing() throws Exception {
        try (var reading = prices.read()) {
            var writer = TestThreads.start("writer", () -> {
                try (var writing = prices.writeInterruptibly()) {
                    return "wrote";
                }
            }).awaitParked();
            writer.thread().interrupt();
            assertThatThrownBy(writer::join).hasCauseInstanceOf(InterruptedException.class);
        }
        try (var writing = prices.write(Duration.ZERO)) {
            assertThat(prices.isWriteHeldByCurrentThread()).isTrue();
        }
    }
}

package dev.spindle.threading;

import java.util.stream.Stream;

/** The four request threading modes, for parameterised tests that must hold in each. */
final class Modes {

    private Modes() {
    }

    static Stream<ThreadingMode> all() {
        return Stream.of(
                ThreadingMode.singleThreaded(),
                ThreadingMode.threadPerRequest(),
                ThreadingMode.virtualThreads(),
                ThreadingMode.workerPool(4, 100));
    }
}

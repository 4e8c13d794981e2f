package dev.spindle.pinning;

import java.util.concurrent.TimeUnit;

/**
 * Blocks whoever initializes it until the control releases it: a wait inside {@code <clinit>}, which
 * pins a virtual thread on every JDK. Never initialized under its own name; {@link PinningRecording}
 * defines a hidden copy from this class file for each control, whose initializer reads the latches
 * from {@link PinningRecording#CONTROL} on the initializing thread.
 */
final class BlocksInInitializer {

    static {
        PinningRecording.Latches latches = PinningRecording.CONTROL.get();
        if (latches == null) {
            throw new IllegalStateException("initialized outside PinningRecording.pinOneVirtualThread()");
        }
        latches.entered().countDown();
        try {
            if (!latches.release().await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the control was never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private BlocksInInitializer() {
    }
}

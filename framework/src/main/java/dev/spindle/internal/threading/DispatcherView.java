package dev.spindle.internal.threading;

import dev.spindle.threading.DispatcherStats;
import dev.spindle.threading.ThreadingMode;

/** What users see of a dispatcher: its state, none of its operations. */
public record DispatcherView(Dispatcher dispatcher) implements DispatcherStats {

    @Override
    public String name() {
        return dispatcher.name();
    }

    @Override
    public ThreadingMode mode() {
        return dispatcher.mode();
    }

    @Override
    public int active() {
        return dispatcher.active();
    }

    @Override
    public int queued() {
        return dispatcher.queued();
    }

    @Override
    public int capacity() {
        return dispatcher.capacity();
    }

    @Override
    public long rejected() {
        return dispatcher.rejected();
    }

    @Override
    public String toString() {
        return "Dispatcher " + name() + " (" + mode().shortName() + "): " + active() + " active, " + queued() + " queued";
    }
}

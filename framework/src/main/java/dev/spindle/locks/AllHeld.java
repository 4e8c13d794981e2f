package dev.spindle.locks;

import java.util.List;

/**
 * Several handles as one ({@link Held#all}): closing it closes them in reverse order. Marked released
 * only once every close returned, so a close that threw (an owned lock closed from another thread)
 * can be repeated by the owner. Not thread-safe, as the owned handles it holds are not.
 */
final class AllHeld implements Held {

    private final List<Held> handles;
    private boolean released;

    AllHeld(List<Held> handles) {
        this.handles = handles;
    }

    @Override
    public void close() {
        if (!released) {
            for (int i = handles.size() - 1; i >= 0; i--) {
                handles.get(i).close();
            }
            released = true;
        }
    }
}

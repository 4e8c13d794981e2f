package dev.spindle.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the configuration methods, so each rule and its message exist once. */
public final class Checks {

    private Checks() {
    }

    /** {@code value}, if it is longer than zero; otherwise an exception naming {@code what}. */
    public static Duration positive(String what, Duration value) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + value);
        }
        return value;
    }

    /** {@code value}, if it is zero or longer; otherwise an exception naming {@code what}. */
    public static Duration notNegative(String what, Duration value) {
        Objects.requireNonNull(value, what);
        if (value.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative, was " + value);
        }
        return value;
    }
}

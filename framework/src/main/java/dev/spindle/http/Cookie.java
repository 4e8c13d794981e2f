package dev.spindle.http;

import java.time.Duration;
import java.util.Objects;

/**
 * A response cookie and its attributes: {@code ctx.cookie(Cookie.of("session", id).httpOnly(true).maxAge(Duration.ofHours(1)))}.
 * Immutable; each {@code with}-style method returns a copy.
 *
 * @param maxAge {@code null} for a session cookie, {@link Duration#ZERO} to delete the cookie
 * @param sameSite {@code Strict}, {@code Lax}, {@code None}, or {@code null} to omit the attribute
 */
public record Cookie(String name, String value, String path, String domain, Duration maxAge,
                     boolean secure, boolean httpOnly, String sameSite) {

    public Cookie {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    /** A cookie for path {@code /} with no other attributes. */
    public static Cookie of(String name, String value) {
        return new Cookie(name, value, "/", null, null, false, false, null);
    }

    public Cookie path(String path) {
        return new Cookie(name, value, path, domain, maxAge, secure, httpOnly, sameSite);
    }

    public Cookie domain(String domain) {
        return new Cookie(name, value, path, domain, maxAge, secure, httpOnly, sameSite);
    }

    public Cookie maxAge(Duration maxAge) {
        return new Cookie(name, value, path, domain, maxAge, secure, httpOnly, sameSite);
    }

    public Cookie secure(boolean secure) {
        return new Cookie(name, value, path, domain, maxAge, secure, httpOnly, sameSite);
    }

    public Cookie httpOnly(boolean httpOnly) {
        return new Cookie(name, value, path, domain, maxAge, secure, httpOnly, sameSite);
    }

    public Cookie sameSite(String sameSite) {
        return new Cookie(name, value, path, domain, maxAge, secure, httpOnly, sameSite);
    }
}

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

    /**
     * @throws IllegalArgumentException if the name is not an RFC 6265 token, or the value, path or
     *         domain holds a character that would end the attribute or the header ({@code ;}, CR, LF…)
     */
    public Cookie {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty() || !name.chars().allMatch(Cookie::isTokenChar)) {
            throw new IllegalArgumentException("A cookie name is a token (letters, digits, !#$%&'*+-.^_`|~), not '" + name + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c >= 0x7F || c == ';' || c == ',' || c == '"' || c == '\\') {
                throw new IllegalArgumentException("A cookie value must not contain spaces, control or non-ASCII "
                        + "characters, quotes, backslashes, ';' or ',' (encode it, e.g. Base64url)");
            }
        }
        checkAttribute("path", path);
        checkAttribute("domain", domain);
        checkAttribute("sameSite", sameSite);
    }

    private static void checkAttribute(String what, String text) {
        if (text != null && text.chars().anyMatch(c -> c < 0x20 || c == 0x7F || c == ';')) {
            throw new IllegalArgumentException("A cookie " + what + " must not contain control characters or ';'");
        }
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7F && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
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

package dev.spindle.jobs;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks symmetric scheme, shared by the sender and {@link WebhookVerifier}: secrets
 * in the {@code whsec_<base64>} form or as plain strings, and {@code v1,<base64 HMAC-SHA256>} over
 * {@code id.timestamp.body}. Uses nothing but the JDK, so a receiver needs only this jar.
 */
final class WebhookSignatures {

    static final String PREFIX = "whsec_";
    /** The Standard Webhooks minimum for a generated secret: 24 bytes (192 bits). */
    static final int MIN_KEY_BYTES = 24;

    private WebhookSignatures() {
    }

    /**
     * The HMAC key of a configured secret: the decoded bytes of a {@code whsec_} secret, else the
     * UTF-8 bytes of the string (Spindle's earlier form, kept for existing configurations).
     *
     * @throws IllegalArgumentException for an empty secret, or a {@code whsec_} one that is not base64 of at least 24 bytes
     */
    static byte[] key(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("A webhook secret must not be empty");
        }
        if (!secret.startsWith(PREFIX)) {
            return secret.getBytes(StandardCharsets.UTF_8);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("A whsec_ webhook secret must be followed by base64, as in whsec_$(openssl rand -base64 32)");
        }
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("A whsec_ webhook secret must hold at least " + MIN_KEY_BYTES
                    + " random bytes, this one holds " + key.length);
        }
        return key;
    }

    static List<byte[]> keys(String... secrets) {
        if (secrets.length == 0) {
            throw new IllegalArgumentException("At least one webhook secret is needed");
        }
        List<byte[]> keys = new ArrayList<>(secrets.length);
        for (String secret : secrets) {
            keys.add(key(secret));
        }
        return List.copyOf(keys);
    }

    /** The {@code webhook-signature} header: one {@code v1,<base64>} per key, space-separated. */
    static String header(List<byte[]> keys, String id, long timestamp, byte[] body) {
        StringBuilder header = new StringBuilder();
        for (byte[] key : keys) {
            if (!header.isEmpty()) {
                header.append(' ');
            }
            header.append("v1,").append(Base64.getEncoder().encodeToString(hmac(key, id, timestamp, body)));
        }
        return header.toString();
    }

    /** HMAC-SHA256 of {@code id.timestamp.body} under {@code key}. */
    static byte[] hmac(byte[] key, String id, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}

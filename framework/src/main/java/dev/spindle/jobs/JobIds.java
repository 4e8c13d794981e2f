package dev.spindle.jobs;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Job and webhook delivery ids: 128 bits from {@link SecureRandom}, URL-safe Base64 without padding,
 * so knowing one id reveals nothing about another. One generator serves every app, as
 * {@link java.util.UUID#randomUUID()}'s does: it holds no app state.
 */
final class JobIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private JobIds() {
    }

    static String next() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }
}

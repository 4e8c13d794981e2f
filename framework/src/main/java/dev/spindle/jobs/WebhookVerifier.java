package dev.spindle.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Checks, on the receiving side, that a webhook was signed by a server holding the secret and is
 * not a replay: the Standard Webhooks scheme that {@link Jobs} sends (and any other sender of it).
 * A request passes when
 * <ul>
 *   <li>it has the headers {@code webhook-id}, {@code webhook-timestamp} (unix seconds) and
 *       {@code webhook-signature};</li>
 *   <li>the timestamp is within the tolerance of now ({@link #DEFAULT_TOLERANCE}, 5 minutes, either
 *       way), so a captured request cannot be replayed later;</li>
 *   <li>one of the {@code v1,<base64>} signatures in {@code webhook-signature} is the HMAC-SHA256 of
 *       {@code id.timestamp.body} under one of the secrets, compared in constant time. Neither the id
 *       nor the timestamp can be changed without the signature, so a receiver that drops repeated ids
 *       drops replays too.</li>
 * </ul>
 * Give it the raw body bytes, before any parsing: a JSON body re-serialised no longer matches.
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.create(System.getenv("WEBHOOK_SECRET"));
 * server.createContext("/hook", exchange -> {
 *     byte[] body = exchange.getRequestBody().readAllBytes();
 *     try {
 *         String id = verifier.verify(exchange.getRequestHeaders()::getFirst, body);
 *         if (seen.add(id)) {
 *             handle(body);                        // first delivery of this id: act on it
 *         }
 *         exchange.sendResponseHeaders(204, -1);   // a repeat is acknowledged, not redone
 *     } catch (WebhookVerifier.InvalidWebhookException e) {
 *         exchange.sendResponseHeaders(401, -1);
 *     }
 *     exchange.close();
 * });
 * }</pre>
 *
 * <p>Secrets take the forms {@link JobSettings#webhookSecret} accepts: {@code whsec_} and base64, or
 * a plain string (its UTF-8 bytes). Give several while rotating: a signature under any of them passes.
 *
 * <p><b>Threading:</b> immutable; one instance may verify on any number of threads at once. It only
 * computes, never blocks.
 */
public final class WebhookVerifier {

    /** How far {@code webhook-timestamp} may be from now, either way, by default: 5 minutes. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private final List<byte[]> keys;
    private final Duration tolerance;
    private final Clock clock;

    private WebhookVerifier(List<byte[]> keys, Duration tolerance, Clock clock) {
        this.keys = keys;
        this.tolerance = tolerance;
        this.clock = clock;
    }

    /**
     * A verifier that accepts a signature under any of {@code secrets}, with the default tolerance
     * and the system clock.
     *
     * @throws IllegalArgumentException if there is no secret, one is empty, or a {@code whsec_} one is
     *         not base64 of at least 24 bytes
     */
    public static WebhookVerifier create(String... secrets) {
        return new WebhookVerifier(WebhookSignatures.keys(secrets), DEFAULT_TOLERANCE, Clock.systemUTC());
    }

    /** This verifier with another tolerance for {@code webhook-timestamp}: positive, and as short as your clocks allow. */
    public WebhookVerifier withTolerance(Duration tolerance) {
        if (tolerance.isNegative() || tolerance.isZero()) {
            throw new IllegalArgumentException("The tolerance must be positive, was " + tolerance);
        }
        return new WebhookVerifier(keys, tolerance, clock);
    }

    /** This verifier reading now from {@code clock} (tests). */
    public WebhookVerifier withClock(Clock clock) {
        return new WebhookVerifier(keys, tolerance, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Verifies a request whose headers {@code headers} looks up by name (for instance
     * {@code exchange.getRequestHeaders()::getFirst}, or Spindle's {@code ctx::header}).
     *
     * @return the {@code webhook-id}: the same for every retry of one delivery, so the key to drop repeats on
     * @throws InvalidWebhookException if a header is missing or malformed, the timestamp is outside the
     *         tolerance, or no signature matches
     */
    public String verify(Function<String, String> headers, byte[] body) throws InvalidWebhookException {
        return verify(headers.apply("webhook-id"), headers.apply("webhook-timestamp"),
                headers.apply("webhook-signature"), body);
    }

    /**
     * Verifies the values of the three headers and the raw body.
     *
     * @return {@code id}, verified
     * @throws InvalidWebhookException as {@link #verify(Function, byte[])}
     */
    public String verify(String id, String timestamp, String signatures, byte[] body) throws InvalidWebhookException {
        Objects.requireNonNull(body, "body");
        if (id == null || id.isEmpty() || id.indexOf('.') >= 0) {
            throw new InvalidWebhookException(id == null || id.isEmpty()
                    ? "The webhook-id header is missing" : "The webhook-id must not contain '.'");
        }
        long seconds = seconds(timestamp);
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - seconds) > tolerance.toSeconds()) {
            throw new InvalidWebhookException("The webhook-timestamp is " + Math.abs(now - seconds) + " s "
                    + (seconds < now ? "in the past" : "in the future") + ", beyond the tolerance of "
                    + tolerance.toSeconds() + " s: a replay, or clocks that disagree");
        }
        if (signatures == null || signatures.isBlank()) {
            throw new InvalidWebhookException("The webhook-signature header is missing");
        }
        List<byte[]> expected = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            expected.add(("v1," + Base64.getEncoder().encodeToString(WebhookSignatures.hmac(key, id, seconds, body)))
                    .getBytes(StandardCharsets.US_ASCII));
        }
        boolean matched = false;
        for (String signature : signatures.split(" ")) {
            byte[] given = signature.getBytes(StandardCharsets.US_ASCII);
            for (byte[] candidate : expected) {
                matched |= MessageDigest.isEqual(candidate, given);
            }
        }
        if (!matched) {
            throw new InvalidWebhookException("No v1 signature in webhook-signature matches the body, id and timestamp");
        }
        return id;
    }

    private static long seconds(String timestamp) throws InvalidWebhookException {
        if (timestamp == null || timestamp.isEmpty()) {
            throw new InvalidWebhookException("The webhook-timestamp header is missing");
        }
        if (timestamp.length() > 18 || !timestamp.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidWebhookException("The webhook-timestamp must be unix time in whole seconds");
        }
        return Long.parseLong(timestamp);
    }

    /** A webhook that failed verification; the message says which check, never the expected signature. */
    public static final class InvalidWebhookException extends Exception {

        InvalidWebhookException(String message) {
            super(message, null, false, false);
        }
    }
}

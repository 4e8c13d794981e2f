package dev.spindle.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {

    /** The test vector of the Standard Webhooks reference libraries: a public example, not a secret. */
    private static final String VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long VECTOR_TIMESTAMP = 1614265330;
    private static final byte[] VECTOR_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static Clock at(long epochSecond) {
        return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    }

    private final WebhookVerifier verifier = WebhookVerifier.create(VECTOR_SECRET).withClock(at(VECTOR_TIMESTAMP));

    @Test
    void spindle_signs_the_standard_webhooks_test_vector_as_the_reference_libraries_do() {
        List<byte[]> keys = WebhookSignatures.keys(VECTOR_SECRET);
        assertThat(WebhookSignatures.header(keys, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)).isEqualTo(VECTOR_SIGNATURE);
    }

    @Test
    void the_example_of_docs_jobs_md_is_signed_as_the_page_says() throws Exception {
        String secret = "whsec_RVhBTVBMRSBPTkxZLCBuZXZlciB1c2UgdGhpcyBzZWNyZXQ=";
        assertThat(new String(Base64.getDecoder().decode(secret.substring(6)), StandardCharsets.US_ASCII))
                .isEqualTo("EXAMPLE ONLY, never use this secret");
        byte[] body = "{\"id\":\"Oxh2hB4UlBvFcmzFlgAxHg\",\"kind\":\"report\",\"state\":\"SUCCEEDED\"}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookVerifier.create(secret).withClock(at(1795840431)).verify("BsT9mAx0ZQy2Zr7Ue1Xq4g",
                "1795840431", "v1,0nkXO+EWhezXkEp0pEuf6I/L4mxpnOy6m0OrO8Il4jA=", body)).isEqualTo("BsT9mAx0ZQy2Zr7Ue1Xq4g");
    }

    @Test
    void the_test_vector_verifies_and_yields_its_id() throws Exception {
        assertThat(verifier.verify(VECTOR_ID, Long.toString(VECTOR_TIMESTAMP), VECTOR_SIGNATURE, VECTOR_BODY))
                .isEqualTo(VECTOR_ID);
        Map<String, String> headers = Map.of("webhook-id", VECTOR_ID, "webhook-timestamp", "1614265330",
                "webhook-signature", VECTOR_SIGNATURE);
        assertThat(verifier.verify(headers::get, VECTOR_BODY)).isEqualTo(VECTOR_ID);
    }

    @Test
    void any_matching_signature_among_several_passes_and_other_versions_are_ignored() throws Exception {
        String header = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZ v1,bm90IGEgc2lnbmF0dXJl "
                + VECTOR_SIGNATURE;
        assertThat(verifier.verify(VECTOR_ID, "1614265330", header, VECTOR_BODY)).isEqualTo(VECTOR_ID);
    }

    @Test
    void any_of_several_secrets_may_have_signed() throws Exception {
        WebhookVerifier rotating = WebhookVerifier.create(JobWebhookTest.randomSecret(), VECTOR_SECRET)
                .withClock(at(VECTOR_TIMESTAMP));
        assertThat(rotating.verify(VECTOR_ID, "1614265330", VECTOR_SIGNATURE, VECTOR_BODY)).isEqualTo(VECTOR_ID);
        WebhookVerifier other = WebhookVerifier.create(JobWebhookTest.randomSecret()).withClock(at(VECTOR_TIMESTAMP));
        assertThatThrownBy(() -> other.verify(VECTOR_ID, "1614265330", VECTOR_SIGNATURE, VECTOR_BODY))
                .isInstanceOf(WebhookVerifier.InvalidWebhookException.class)
                .hasMessage("No v1 signature in webhook-signature matches the body, id and timestamp");
    }

    @Test
    void the_timestamp_must_be_within_the_tolerance_either_way() throws Exception {
        String timestamp = Long.toString(VECTOR_TIMESTAMP);
        assertThat(verifier.withClock(at(VECTOR_TIMESTAMP + 300)).verify(VECTOR_ID, timestamp, VECTOR_SIGNATURE,
                VECTOR_BODY)).isEqualTo(VECTOR_ID);
        assertThatThrownBy(() -> verifier.withClock(at(VECTOR_TIMESTAMP + 301))
                .verify(VECTOR_ID, timestamp, VECTOR_SIGNATURE, VECTOR_BODY))
                .hasMessage("The webhook-timestamp is 301 s in the past, beyond the tolerance of 300 s: a replay, "
                        + "or clocks that disagree");
        assertThatThrownBy(() -> verifier.withClock(at(VECTOR_TIMESTAMP - 301))
                .verify(VECTOR_ID, timestamp, VECTOR_SIGNATURE, VECTOR_BODY))
                .hasMessageContaining("301 s in the future");
        assertThat(verifier.withTolerance(Duration.ofHours(1)).withClock(at(VECTOR_TIMESTAMP + 3600))
                .verify(VECTOR_ID, timestamp, VECTOR_SIGNATURE, VECTOR_BODY)).isEqualTo(VECTOR_ID);
        assertThatThrownBy(() -> verifier.withTolerance(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void changing_the_id_the_timestamp_or_the_body_breaks_the_signature() {
        for (var attempt : List.<Runnable>of(
                () -> verify("msg_another", "1614265330", VECTOR_BODY),
                () -> verify(VECTOR_ID, "1614265331", VECTOR_BODY),
                () -> verify(VECTOR_ID, "1614265330", "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8)))) {
            assertThatThrownBy(attempt::run).hasRootCauseMessage(
                    "No v1 signature in webhook-signature matches the body, id and timestamp");
        }
    }

    private void verify(String id, String timestamp, byte[] body) {
        try {
            verifier.withTolerance(Duration.ofSeconds(5)).verify(id, timestamp, VECTOR_SIGNATURE, body);
        } catch (WebhookVerifier.InvalidWebhookException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void missing_or_malformed_headers_are_named() {
        assertThatThrownBy(() -> verifier.verify(null, "1614265330", VECTOR_SIGNATURE, VECTOR_BODY))
                .hasMessage("The webhook-id header is missing");
        assertThatThrownBy(() -> verifier.verify("msg.1", "1614265330", VECTOR_SIGNATURE, VECTOR_BODY))
                .hasMessage("The webhook-id must not contain '.'");
        assertThatThrownBy(() -> verifier.verify(VECTOR_ID, null, VECTOR_SIGNATURE, VECTOR_BODY))
                .hasMessage("The webhook-timestamp header is missing");
        for (String timestamp : List.of("1614265330.5", "-1614265330", "+1614265330", "2021-02-25T15:02:10Z",
                "99999999999999999999")) {
            assertThatThrownBy(() -> verifier.verify(VECTOR_ID, timestamp, VECTOR_SIGNATURE, VECTOR_BODY)).as(timestamp)
                    .hasMessage("The webhook-timestamp must be unix time in whole seconds");
        }
        assertThatThrownBy(() -> verifier.verify(VECTOR_ID, "1614265330", " ", VECTOR_BODY))
                .hasMessage("The webhook-signature header is missing");
    }

    @Test
    void secrets_are_checked_when_the_verifier_is_made() {
        assertThatThrownBy(WebhookVerifier::create).hasMessage("At least one webhook secret is needed");
        assertThatThrownBy(() -> WebhookVerifier.create("")).hasMessage("A webhook secret must not be empty");
        assertThatThrownBy(() -> WebhookVerifier.create("whsec_not base64!"))
                .hasMessage("A whsec_ webhook secret must be followed by base64, as in whsec_$(openssl rand -base64 32)");
        assertThatThrownBy(() -> WebhookVerifier.create("whsec_c2hvcnQ="))
                .hasMessage("A whsec_ webhook secret must hold at least 24 random bytes, this one holds 5");
    }
}

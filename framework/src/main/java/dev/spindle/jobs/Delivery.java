package dev.spindle.jobs;

import java.time.Instant;

/**
 * One attempt to deliver a finished job to its callback URL.
 *
 * @param id the delivery id, sent as {@code webhook-id} and signed with the body; the same for every
 *           attempt of one delivery, so receivers can drop duplicates
 * @param attempt 1 for the first attempt
 * @param at when the attempt was made
 * @param status the receiver's HTTP status, or {@code null} if none was received
 * @param outcome {@code delivered} (2xx), {@code failed} (another status), {@code error} (no response),
 *                or {@code refused} (the URL resolved to an address callbacks may not reach; never connected to)
 * @param detail what went wrong, or {@code null}
 */
public record Delivery(String id, int attempt, Instant at, Integer status, String outcome, String detail) {
}

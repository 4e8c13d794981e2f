package dev.spindle.jobs;

/**
 * Why a job did not succeed, as shown to clients.
 *
 * @param type {@code failed} (the work threw), {@code timeout} (it ran past its timeout),
 *             {@code cancelled} (it was cancelled), {@code expired}, or {@code lease-expired} (with a
 *             shared store: the instances running it stopped renewing its lease as often as the lease
 *             policy allows, see {@link JobSettings#leaseAttempts})
 * @param message a client-safe sentence: a {@link JobFailedException}'s message, otherwise a generic one
 */
public record JobError(String type, String message) {
}

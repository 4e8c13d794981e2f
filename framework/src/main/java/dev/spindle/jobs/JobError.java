package dev.spindle.jobs;

/**
 * Why a job did not succeed, as shown to clients.
 *
 * @param type {@code failed} (the work threw), {@code timeout} (it ran past its timeout),
 *             {@code cancelled} (it was cancelled) or {@code expired}
 * @param message a client-safe sentence: a {@link JobFailedException}'s message, otherwise a generic one
 */
public record JobError(String type, String message) {
}

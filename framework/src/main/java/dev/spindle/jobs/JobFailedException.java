package dev.spindle.jobs;

/**
 * Thrown by a job's work to fail it with a message the client may see. Any other exception fails
 * the job too, but its message stays in the server log and clients get a generic one, as with
 * {@code HttpException} and unexpected exceptions in handlers.
 */
public class JobFailedException extends RuntimeException {

    public JobFailedException(String message) {
        super(message);
    }

    public JobFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

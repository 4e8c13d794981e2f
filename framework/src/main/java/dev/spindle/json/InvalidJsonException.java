package dev.spindle.json;

/**
 * A request body is not valid JSON, or does not fit the target type. The message is meant for the
 * client (field path or line/column, never a class name) and becomes the 400 problem detail.
 */
public class InvalidJsonException extends RuntimeException {

    public InvalidJsonException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}

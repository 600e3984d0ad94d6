package dev.tandem.deploy.lifecycle;

/** The control schema in the new database could not be read or written; the message says where and why. */
public final class ControlUnavailableException extends Exception {

    public ControlUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.tandem.deploy.lifecycle.switchover;

/** The two switches: cutover (legacy → new) and rollback (new → legacy); printed by their label. */
public enum SwitchOperation {
    CUTOVER, ROLLBACK;

    /** {@code cutover} or {@code rollback}: the command, the audit log's word and the metrics' label. */
    public String label() {
        return name().toLowerCase();
    }

    @Override
    public String toString() {
        return label();
    }
}

package dev.tandem.deploy.lifecycle.switchover;

/** How a switch ended: switched, aborted (the write block reopened), refused (a gate failed) or planned (dry run). */
public enum SwitchOutcome {
    SWITCHED, ABORTED, REFUSED, PLANNED;

    public String label() {
        return name().toLowerCase();
    }

    @Override
    public String toString() {
        return label();
    }
}

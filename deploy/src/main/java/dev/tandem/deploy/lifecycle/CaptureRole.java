package dev.tandem.deploy.lifecycle;

/** What one {@code tandem run} instance does for its migration: capture (and backfill), or stand by to take over. */
public enum CaptureRole {
    /** Holds the capture lease: backfills, captures, and in transactional ordering applies. */
    LEADER,
    /** Waits for the lease; in per-key ordering it applies its share of the keyed change log meanwhile. */
    STANDBY;

    public String label() {
        return name().toLowerCase();
    }
}

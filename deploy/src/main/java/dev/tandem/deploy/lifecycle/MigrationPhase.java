package dev.tandem.deploy.lifecycle;

/** Where a migration stands around its switch; persisted in {@code tandem.cutover}. */
public enum MigrationPhase {
    /** Legacy is live; changes flow legacy → new. */
    SYNCING,
    /** A cutover holds the write block. */
    CUTTING_OVER,
    /** New is live; changes flow new → legacy (reverse sync), so a rollback loses nothing. */
    CUT_OVER,
    /** A rollback holds the write block. */
    ROLLING_BACK,
    /** The migration ended on the new schema; slots and publications are gone. */
    COMPLETED,
    /** The migration was abandoned before cutover; slots and publications are gone. */
    CANCELLED;

    /** The route applications follow in this phase (during a switch: the side being left, whose writes are blocked). */
    public String route() {
        return switch (this) {
            case SYNCING, CUTTING_OVER, CANCELLED -> "legacy";
            case CUT_OVER, ROLLING_BACK, COMPLETED -> "new";
        };
    }

    public String label() {
        return name().toLowerCase().replace('_', '-');
    }
}

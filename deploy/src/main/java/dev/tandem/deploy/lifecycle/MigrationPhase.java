package dev.tandem.deploy.lifecycle;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a migration stands in its whole life, with the transitions it may take; persisted in
 * {@code tandem.cutover} and changed only through {@link PhaseStore#advance}.
 *
 * <pre>
 * CREATED ──► BACKFILLING ──► SYNCING ──► CUTTING_OVER ──► CUT_OVER ──► COMPLETED
 *                  ▲            │  ▲          │ (aborted)     │  ▲
 *                  └ rebackfill ┘  ├──────────┘               ▼  │ (aborted)
 *                                  └──── (rolled back) ──── ROLLING_BACK
 * CREATED, BACKFILLING, SYNCING ──► CANCELLED
 * </pre>
 *
 * A rollback ends in SYNCING, not in a state of its own: legacy is live and the forward sync runs, exactly as
 * before the cutover, so everything that may follow a sync (a new cutover, a cancel) may follow a rollback.
 */
public enum MigrationPhase {
    /** Configured, nothing copied yet. */
    CREATED,
    /** The backfill copies legacy into the new schema; legacy is live. */
    BACKFILLING,
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

    /** Which way changes flow in a phase. */
    public enum SyncDirection { FORWARD, REVERSE, NONE }

    /** The phases this one may move to. */
    public Set<MigrationPhase> next() {
        return switch (this) {
            case CREATED -> EnumSet.of(BACKFILLING, SYNCING, CANCELLED);
            case BACKFILLING -> EnumSet.of(SYNCING, CANCELLED);
            // SYNCING → BACKFILLING: `tandem run --rebackfill` after a lost slot
            case SYNCING -> EnumSet.of(BACKFILLING, CUTTING_OVER, CANCELLED);
            case CUTTING_OVER -> EnumSet.of(CUT_OVER, SYNCING);
            case CUT_OVER -> EnumSet.of(ROLLING_BACK, COMPLETED);
            case ROLLING_BACK -> EnumSet.of(SYNCING, CUT_OVER);
            case COMPLETED, CANCELLED -> EnumSet.noneOf(MigrationPhase.class);
        };
    }

    public boolean canEnter(MigrationPhase next) {
        return next().contains(next);
    }

    /** True once the migration is over: nothing runs and nothing may follow. */
    public boolean ended() {
        return next().isEmpty();
    }

    /** A switch holds the write block in this phase. */
    public boolean switching() {
        return this == CUTTING_OVER || this == ROLLING_BACK;
    }

    /** The route applications follow in this phase (during a switch: the side being left, whose writes are blocked). */
    public String route() {
        return switch (this) {
            case CREATED, BACKFILLING, SYNCING, CUTTING_OVER, CANCELLED -> "legacy";
            case CUT_OVER, ROLLING_BACK, COMPLETED -> "new";
        };
    }

    /** The sync direction this phase asks for. */
    public SyncDirection syncDirection() {
        return switch (this) {
            case CREATED, BACKFILLING, SYNCING, CUTTING_OVER -> SyncDirection.FORWARD;
            case CUT_OVER, ROLLING_BACK -> SyncDirection.REVERSE;
            case COMPLETED, CANCELLED -> SyncDirection.NONE;
        };
    }

    public String label() {
        return name().toLowerCase().replace('_', '-');
    }
}

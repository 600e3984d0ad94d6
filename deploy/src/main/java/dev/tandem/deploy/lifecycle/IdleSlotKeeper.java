package dev.tandem.deploy.lifecycle;

import dev.tandem.capture.CaptureConfig;
import dev.tandem.capture.replication.ReplicationSetup;
import dev.tandem.sync.mapping.CompiledTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the slot of the direction that does not run current, so it holds no WAL while the migration stays on one side
 * for weeks. On the closed side only the running sync writes (applications are blocked there), and those rows are
 * already on the live side: the idle direction needs none of them, so its slot can move to the current WAL position.
 *
 * <p>The phase is read with a share lock held while the slot moves: a switch, which changes the phase before it opens
 * the closed side, waits for it, and a slot is never moved past an application write. A direction that keeps join
 * state (a merge) is not kept current: it must read the running sync's writes to keep that state exact, so its slot
 * holds them until it runs again, as before.
 *
 * <p>When the direction starts again, Debezium asks for its stored offset, which is now behind the slot; PostgreSQL
 * starts a logical slot at its confirmed position when asked for an earlier one, so it streams from there
 * ({@code IdleSlotIT}).
 */
public final class IdleSlotKeeper {

    private static final Logger log = LoggerFactory.getLogger(IdleSlotKeeper.class);

    private final Sides sides;
    private final PhaseStore store;
    private final long everyNanos;
    private long lastAt;
    private boolean tried;
    private boolean toldJoinState;
    private Runnable whilePhaseHeld = () -> { };

    public IdleSlotKeeper(Sides sides, Duration every) {
        this.sides = sides;
        this.store = new PhaseStore(sides.migration(), sides.newDb());
        this.everyNanos = every.toNanos();
    }

    /** Runs {@code step} between reading the phase and moving the slot: lets a test race a switch against the keeper. */
    IdleSlotKeeper whilePhaseHeld(Runnable step) {
        this.whilePhaseHeld = step;
        return this;
    }

    /** Moves the idle slot when it is due (call it as often as convenient); a failure is logged and retried later. */
    public void keepIfDue() {
        if (tried && System.nanoTime() - lastAt < everyNanos) {
            return;
        }
        tried = true;
        lastAt = System.nanoTime();
        try {
            advance();
        } catch (SQLException e) {
            log.warn("migration {}: cannot move the idle direction's slot ({}); will retry", sides.migration(),
                    e.getMessage());
        }
    }

    /** One attempt: the idle slot's new position, or null when the phase is switching, no slot is idle or it is read. */
    String advance() throws SQLException {
        try (Connection control = sides.newDb().connect("tandem-idle-slot")) {
            control.setAutoCommit(false);
            try {
                MigrationPhase phase = store.phaseHeld(control);
                CaptureConfig idle;
                List<CompiledTable> idleTables;
                if (phase == MigrationPhase.SYNCING) {
                    idle = sides.reverseCapture();
                    idleTables = sides.reverse();
                } else if (phase == MigrationPhase.CUT_OVER) {
                    idle = sides.forwardCapture();
                    idleTables = sides.forward();
                } else {
                    return null;
                }
                if (idleTables.stream().anyMatch(CompiledTable::merged)) {
                    if (!toldJoinState) {
                        log.info("migration {}: slot {} is not kept current while idle: its direction merges tables and "
                                + "reads the running sync's writes to keep its join state", sides.migration(), idle.slotName());
                        toldJoinState = true;
                    }
                    return null;
                }
                whilePhaseHeld.run();
                String reached = new ReplicationSetup(idle).advanceIdleToCurrent();
                if (reached != null) {
                    log.debug("migration {}: idle slot {} moved to {}", sides.migration(), idle.slotName(), reached);
                }
                return reached;
            } finally {
                control.rollback(); // ends the share lock on the phase
            }
        }
    }
}

package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.MigrationPhase.BACKFILLING;
import static dev.tandem.deploy.lifecycle.MigrationPhase.CANCELLED;
import static dev.tandem.deploy.lifecycle.MigrationPhase.COMPLETED;
import static dev.tandem.deploy.lifecycle.MigrationPhase.CREATED;
import static dev.tandem.deploy.lifecycle.MigrationPhase.CUTTING_OVER;
import static dev.tandem.deploy.lifecycle.MigrationPhase.CUT_OVER;
import static dev.tandem.deploy.lifecycle.MigrationPhase.ROLLING_BACK;
import static dev.tandem.deploy.lifecycle.MigrationPhase.SYNCING;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tandem.deploy.lifecycle.MigrationPhase.SyncDirection;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The lifecycle's transition table, routes and sync directions, without a database. */
class MigrationPhaseTest {

    @Test
    void theTransitionTableIsExactlyTheLifecycle() {
        Map<MigrationPhase, Set<MigrationPhase>> expected = new EnumMap<>(MigrationPhase.class);
        expected.put(CREATED, EnumSet.of(BACKFILLING, SYNCING, CANCELLED));
        expected.put(BACKFILLING, EnumSet.of(SYNCING, CANCELLED));
        expected.put(SYNCING, EnumSet.of(BACKFILLING, CUTTING_OVER, CANCELLED));
        expected.put(CUTTING_OVER, EnumSet.of(CUT_OVER, SYNCING));
        expected.put(CUT_OVER, EnumSet.of(ROLLING_BACK, COMPLETED));
        expected.put(ROLLING_BACK, EnumSet.of(SYNCING, CUT_OVER));
        expected.put(COMPLETED, EnumSet.noneOf(MigrationPhase.class));
        expected.put(CANCELLED, EnumSet.noneOf(MigrationPhase.class));
        for (MigrationPhase from : MigrationPhase.values()) {
            assertEquals(expected.get(from), from.next(), "transitions from " + from);
            for (MigrationPhase to : MigrationPhase.values()) {
                assertEquals(expected.get(from).contains(to), from.canEnter(to), from + " → " + to);
            }
        }
    }

    @Test
    void everyPhaseIsReachableFromCreatedAndOnlyTheEndsAreFinal() {
        Set<MigrationPhase> seen = EnumSet.of(CREATED);
        Deque<MigrationPhase> todo = new ArrayDeque<>(seen);
        while (!todo.isEmpty()) {
            for (MigrationPhase next : todo.pop().next()) {
                if (seen.add(next)) {
                    todo.push(next);
                }
            }
        }
        assertEquals(EnumSet.allOf(MigrationPhase.class), seen);
        for (MigrationPhase phase : MigrationPhase.values()) {
            assertEquals(phase == COMPLETED || phase == CANCELLED, phase.ended(), phase.name());
        }
    }

    @Test
    void aSwitchKeepsTheRouteAndTheSyncOfTheSideItLeavesUntilItIsDone() {
        for (MigrationPhase phase : MigrationPhase.values()) {
            String route = switch (phase) {
                case CUT_OVER, ROLLING_BACK, COMPLETED -> "new";
                default -> "legacy";
            };
            SyncDirection direction = switch (phase) {
                case CUT_OVER, ROLLING_BACK -> SyncDirection.REVERSE;
                case COMPLETED, CANCELLED -> SyncDirection.NONE;
                default -> SyncDirection.FORWARD;
            };
            assertEquals(route, phase.route(), phase.name());
            assertEquals(direction, phase.syncDirection(), phase.name());
            assertEquals(phase == CUTTING_OVER || phase == ROLLING_BACK, phase.switching(), phase.name());
        }
        assertEquals("cutting-over", CUTTING_OVER.label());
    }
}

package dev.tandem.sync.apply;

import dev.tandem.capture.envelope.ChangeEnvelope;
import java.util.List;

/** Changes parked for a paused target table in one batch, and why the table is paused. */
record ParkedChanges(String table, String reason, List<ChangeEnvelope> changes) {
}

package dev.tandem.deploy.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.reconcile.PassReport;
import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.TableReport;
import dev.tandem.reconcile.repair.RepairAction;
import dev.tandem.reconcile.repair.RepairReport;
import dev.tandem.reconcile.store.VerificationStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders reconciler results as the JSON objects the commands print and the API returns (snake_case keys). */
public final class ReportJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportJson() {
    }

    public static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render a reconcile report as JSON", e);
        }
    }

    public static Map<String, Object> pass(PassReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("consistent", report.consistent());
        m.put("pass_id", report.passId());
        m.put("started_at", text(report.startedAt()));
        m.put("finished_at", text(report.finishedAt()));
        m.put("rows_compared", report.rowsCompared());
        m.put("drifted_rows", report.driftedRows());
        m.put("unsettled_rows", report.unsettledRows());
        m.put("tables", report.tables().stream().map(ReportJson::table).toList());
        return m;
    }

    public static Map<String, Object> table(TableReport t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", t.table());
        m.put("consistent", t.consistent());
        m.put("mode", t.mode());
        m.put("chunks", t.chunks());
        m.put("rows_compared", t.rowsCompared());
        m.put("target_rows", t.targetRows());
        m.put("drifted_rows", t.driftedRows());
        m.put("fence_lsn", t.fenceLsn());
        m.put("source_digest", t.sourceDigest());
        m.put("target_digest", t.targetDigest());
        m.put("seconds", Math.round(t.seconds() * 1000) / 1000.0);
        m.put("drift", t.drift().stream().map(ReportJson::drift).toList());
        m.put("unsettled_rows", t.unsettledRows());
        m.put("unsettled", t.unsettled().stream().map(ReportJson::drift).toList());
        return m;
    }

    public static Map<String, Object> drift(RowDrift d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", d.kind().name().toLowerCase());
        m.put("source_key", d.sourceKey());
        m.put("target_key", d.targetKey());
        m.put("columns", d.columns());
        return m;
    }

    public static Map<String, Object> repairs(List<RepairReport> reports) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repaired", reports.stream().allMatch(r -> r.remaining().isEmpty()));
        m.put("dry_run", reports.stream().anyMatch(RepairReport::dryRun));
        m.put("tables", reports.stream().map(r -> {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("table", r.table());
            t.put("fence_lsn", r.fenceLsn());
            t.put("actions", r.actions().stream().map(ReportJson::action).toList());
            t.put("remaining", r.remaining().stream().map(ReportJson::drift).toList());
            return t;
        }).toList());
        return m;
    }

    private static Map<String, Object> action(RepairAction a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("action", a.action());
        m.put("source_key", a.sourceKey());
        m.put("target_key", a.targetKey());
        return m;
    }

    public static Map<String, Object> status(VerificationStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("migration", s.migration());
        m.put("pass_id", s.passId());
        m.put("pass_started_at", text(s.passStarted()));
        m.put("pass_finished_at", text(s.passFinished()));
        m.put("pass_consistent", s.passConsistent());
        m.put("last_clean_pass_at", text(s.lastCleanPass()));
        m.put("pass_chunks_by_instance", s.chunksByInstance());
        m.put("tables", s.tables().stream().map(t -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("table", t.table());
            r.put("pass_id", t.passId());
            r.put("mode", t.mode());
            r.put("verified_from", text(t.startedAt()));
            r.put("verified_at", text(t.finishedAt()));
            r.put("chunks", t.chunks());
            r.put("rows_compared", t.rowsCompared());
            r.put("target_rows", t.targetRows());
            r.put("drifted_rows", t.driftedRows());
            r.put("consistent", t.consistent());
            r.put("fence_lsn", t.fenceLsn());
            return r;
        }).toList());
        return m;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}

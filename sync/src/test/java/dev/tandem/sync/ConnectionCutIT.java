package dev.tandem.sync;

import dev.tandem.capture.PgDatabase;
import dev.tandem.sync.mapping.TableMapping;
import dev.tandem.sync.pipeline.PipelineConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every connection tandem holds to PostgreSQL (walsender, applier, setup) goes through a loopback
 * proxy that cuts them all several times and slows them down for a while, under a write workload
 * that bypasses the proxy. Nothing may be lost or applied twice.
 */
class ConnectionCutIT {

    @Test
    void cutAndSlowedConnectionsLoseAndDoubleNothing() throws Exception {
        PgDatabase legacyDirect = TestDatabases.fresh("cut_legacy");
        PgDatabase appDirect = TestDatabases.fresh("cut_app");
        ProxyFaults.createAccounts(legacyDirect, appDirect);
        try (LoopbackProxy proxy = new LoopbackProxy(legacyDirect.port())) {
            PgDatabase legacy = new PgDatabase("127.0.0.1", proxy.port(), "cut_legacy", "postgres", "");
            PgDatabase app = new PgDatabase("127.0.0.1", proxy.port(), "cut_app", "postgres", "");
            PipelineConfig config = new PipelineConfig("cut", legacy, app,
                    List.of(new TableMapping("public.account", "public.account", Map.of())),
                    TestDatabases.stack().kafka().bootstrapServers());
            ProxyFaults.cutAndDelay(config, proxy, legacyDirect, appDirect, "no connection to cut");
        }
    }
}

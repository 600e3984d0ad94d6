package dev.tandem.deploy.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.ControlUnavailableException;
import dev.tandem.deploy.lifecycle.MigrationStatus;
import dev.tandem.deploy.lifecycle.TableRequests;
import dev.tandem.deploy.lifecycle.verify.ContinuousReconciler;
import dev.tandem.deploy.verify.ReportJson;
import dev.tandem.reconcile.Reconciler;
import dev.tandem.reconcile.RowDrift;
import dev.tandem.reconcile.repair.RepairReport;
import dev.tandem.reconcile.repair.Repairer;
import dev.tandem.reconcile.store.VerificationStatus;
import dev.tandem.sync.control.TableStates;
import dev.tandem.deploy.lifecycle.RouteView;
import dev.tandem.sync.mapping.CompiledTable;
import java.util.ArrayList;
import java.util.List;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tandem's HTTP control API, status page and metrics endpoint, on loopback unless told otherwise:
 * {@code GET /} (the status page), {@code GET /api/v1/migrations} (the migration this service runs),
 * {@code GET /api/v1/migrations/{name}/status}, {@code GET /metrics} (Prometheus text), {@code GET /healthz}, {@code GET /readyz} (the instance's capture role), and the
 * mutating {@code POST /api/v1/migrations/{name}/tables/{table}/pause|resume|skip}, which need the bearer token;
 * {@code GET …/verification} and, with a reconciler in this process, {@code POST …/verify} and {@code POST …/repair}.
 * Served over HTTPS (TLSv1.3/1.2) when given an {@link ApiTls}.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final Pattern STATUS = Pattern.compile("/api/v1/migrations/([a-z][a-z0-9_]*)/status");
    private static final Pattern SWITCH_STATE = Pattern.compile("/api/v1/migrations/([a-z][a-z0-9_]*)/(route|audit)");
    private static final Pattern TABLE_REQUEST =
            Pattern.compile("/api/v1/migrations/([a-z][a-z0-9_]*)/tables/([^/]+)/(pause|resume|skip)");
    private static final Pattern VERIFICATION = Pattern.compile("/api/v1/migrations/([a-z][a-z0-9_]*)/(verification|verify|repair)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String scheme;
    private final String migration;
    private final StatusPage page = new StatusPage();
    private final PgDatabase target;
    private final ApiToken token;
    private final Supplier<String> metrics;
    private final Supplier<ContinuousReconciler> verification;
    private final OfrepFlags flags;
    private volatile Supplier<Map<String, Object>> instance;

    /**
     * @param migration the migration this service runs, listed by {@code GET /api/v1/migrations} for the status page
     * @param host    address to bind ({@code 127.0.0.1} unless the operator exposes it)
     * @param port    port, 0 for any free one
     * @param metrics the Prometheus text, produced on each scrape
     */
    public ApiServer(String migration, String host, int port, PgDatabase target, ApiToken token, Supplier<String> metrics)
            throws IOException {
        this(migration, host, port, target, token, metrics, null);
    }

    /** @param verification the process's reconciler once it runs, serving POST verify and repair (null: those answer 409) */
    public ApiServer(String migration, String host, int port, PgDatabase target, ApiToken token, Supplier<String> metrics,
                     Supplier<ContinuousReconciler> verification) throws IOException {
        this(migration, host, port, target, token, metrics, verification, null);
    }

    /** @param tls serve HTTPS with this key store (null: plain HTTP) */
    public ApiServer(String migration, String host, int port, PgDatabase target, ApiToken token, Supplier<String> metrics,
                     Supplier<ContinuousReconciler> verification, ApiTls tls) throws IOException {
        this.migration = migration;
        this.scheme = tls == null ? "http" : "https";
        this.target = target;
        this.verification = verification == null ? () -> null : verification;
        this.token = token;
        this.metrics = metrics;
        this.flags = new OfrepFlags(migration, target);
        if (tls == null) {
            this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(host, port), 16);
            https.setHttpsConfigurator(tls.configurator());
            this.server = https;
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "tandem-api");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /**
     * Adds this {@code tandem run} instance ({@code instance}, {@code role}, {@code ready}) to the status of its
     * migration, and makes {@code GET /readyz} answer with it: 200 while {@code ready}, 503 otherwise.
     */
    public ApiServer withInstance(Supplier<Map<String, Object>> view) {
        this.instance = view;
        return this;
    }

    public URI uri() {
        InetSocketAddress address = server.getAddress();
        return URI.create(scheme + "://" + address.getHostString() + ":" + address.getPort() + "/");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            respond(exchange);
        }
    }

    /** Answers one request; its own catch blocks answer errors before {@link #handle} closes the exchange. */
    private void respond(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            Matcher status = STATUS.matcher(path);
            Matcher request = TABLE_REQUEST.matcher(path);
            Matcher verify = VERIFICATION.matcher(path);
            if (method.equals("GET") && StatusPage.serves(path)) {
                page.serve(exchange, path);
            } else if (method.equals("GET") && path.equals("/api/v1/migrations")) {
                json(exchange, 200, Map.of("migrations", List.of(migration)));
            } else if (method.equals("GET") && path.equals("/healthz")) {
                send(exchange, 200, "text/plain; charset=utf-8", "ok\n"); // liveness: the process answers
            } else if (method.equals("GET") && path.equals("/readyz")) {
                readiness(exchange);
            } else if (method.equals("GET") && path.equals("/metrics")) {
                send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
            } else if (method.equals("GET") && status.matches()) {
                Map<String, Object> body = MigrationStatus.read(target, status.group(1));
                if (body == null) {
                    json(exchange, 404, Map.of("error", "no migration '" + status.group(1) + "'"));
                } else {
                    if (instance != null && status.group(1).equals(migration)) {
                        body.put("this_instance", instance.get());
                    }
                    json(exchange, 200, body);
                }
            } else if (method.equals("GET") && SWITCH_STATE.matcher(path).matches()) {
                Matcher state = SWITCH_STATE.matcher(path);
                state.matches();
                json(exchange, 200, state.group(2).equals("route") ? RouteView.route(target, state.group(1))
                        : RouteView.audit(target, state.group(1)));
            } else if (method.equals("GET") && verify.matches() && verify.group(2).equals("verification")) {
                json(exchange, 200, ReportJson.status(VerificationStatus.read(target, verify.group(1))));
            } else if (method.equals("POST") && verify.matches() && !verify.group(2).equals("verification")) {
                verification(exchange, verify.group(1), verify.group(2));
            } else if (method.equals("POST") && request.matches()) {
                tableRequest(exchange, request.group(1), request.group(2), request.group(3));
            } else if (method.equals("POST") && (path.equals(OfrepFlags.BULK) || path.startsWith(OfrepFlags.SINGLE_PREFIX))) {
                ofrep(exchange, path);
            } else {
                json(exchange, 404, Map.of("error", method + " " + path + " is not part of the API",
                        "see", "docs/api.md"));
            }
        } catch (java.sql.SQLException | java.util.concurrent.TimeoutException e) {
            log.warn("API request {} failed: {}", exchange.getRequestURI().getPath(), e.getMessage(), e);
            json(exchange, 503, Map.of("error", e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            json(exchange, 503, Map.of("error", "tandem is stopping"));
        } catch (ControlUnavailableException e) {
            log.warn("API request {} failed: {}", exchange.getRequestURI().getPath(), e.getMessage());
            json(exchange, 503, Map.of("error", e.getMessage()));
        }
    }

    /**
     * Readiness: a leader and a standby are both ready (a standby is what makes a takeover possible); an instance that
     * cannot reach the new database to hold or try the capture lease is not. Without an instance view: ready.
     */
    private void readiness(HttpExchange exchange) throws IOException {
        Map<String, Object> view = instance == null ? Map.of("ready", true) : instance.get();
        json(exchange, Boolean.TRUE.equals(view.get("ready")) ? 200 : 503, view);
    }

    private void verification(HttpExchange exchange, String migration, String action)
            throws IOException, java.sql.SQLException, java.util.concurrent.TimeoutException, InterruptedException {
        if (!authorized(exchange)) {
            return;
        }
        ContinuousReconciler running = verification.get();
        if (running == null || !running.reconciler().migration().equals(migration)) {
            json(exchange, 409, Map.of("error", "no reconciler for migration '" + migration + "' runs in this process: use `tandem "
                    + action + " --config FILE`, or `tandem run` for this migration"));
            return;
        }
        if (action.equals("verify")) {
            running.requestPass();
            json(exchange, 202, Map.of("accepted", "verify", "status", "/api/v1/migrations/" + migration + "/verification"));
            return;
        }
        String query = exchange.getRequestURI().getQuery();
        boolean dryRun = query != null && (query.contains("dry_run=true") || query.equals("dry_run"));
        Reconciler reconciler = running.reconciler();
        Repairer repairer = new Repairer(reconciler, reconciler.legacy(), reconciler.target(), reconciler.fence(),
                reconciler.settings().fenceTimeout());
        List<RepairReport> reports = new ArrayList<>();
        for (CompiledTable table : reconciler.tables()) {
            List<RowDrift> drift = reconciler.recordedDrift(table);
            if (!drift.isEmpty()) {
                reports.add(repairer.repair(table, drift, dryRun));
            }
        }
        json(exchange, 200, ReportJson.repairs(reports));
    }

    /** OFREP evaluations of the route flag; they need the bearer token when one is configured, like mutations. */
    private void ofrep(HttpExchange exchange, String path) throws IOException, ControlUnavailableException {
        if (token.configured() && !authorized(exchange)) {
            return;
        }
        OfrepFlags.Answer answer = path.equals(OfrepFlags.BULK)
                ? flags.evaluateAll(exchange.getRequestBody(), exchange.getRequestHeaders().getFirst("If-None-Match"))
                : flags.evaluate(path.substring(OfrepFlags.SINGLE_PREFIX.length()), exchange.getRequestBody());
        if (answer.etag() != null) {
            exchange.getResponseHeaders().set("ETag", answer.etag());
        }
        if (answer.status() == 304) {
            exchange.sendResponseHeaders(304, -1);
            return;
        }
        json(exchange, answer.status(), answer.body());
    }

    private boolean authorized(HttpExchange exchange) throws IOException {
        if (token.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
            return true;
        }
        exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer");
        json(exchange, 401, Map.of("error", token.configured()
                ? "missing or wrong bearer token"
                : "no API token is configured: set TANDEM_API_TOKEN (or --api-token-file) where tandem runs"));
        return false;
    }

    private void tableRequest(HttpExchange exchange, String migration, String table, String action)
            throws IOException, ControlUnavailableException {
        if (!token.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer");
            json(exchange, 401, Map.of("error", token.configured()
                    ? "missing or wrong bearer token"
                    : "no API token is configured: set TANDEM_API_TOKEN (or --api-token-file) where tandem runs"));
            return;
        }
        String reason = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).strip();
        TableRequests.Outcome outcome;
        try {
            outcome = action.equals("pause")
                    ? TableRequests.pause(target, migration, table, reason.isEmpty() ? "paused through the API" : reason)
                    : TableRequests.request(target, migration, table, TableStates.State.valueOf(action.toUpperCase()),
                            reason.isEmpty() ? "requested through the API" : reason);
        } catch (IllegalArgumentException e) {
            json(exchange, 400, Map.of("error", e.getMessage()));
            return;
        }
        switch (outcome) {
            case NOT_PAUSED -> json(exchange, 409, Map.of("error", table + " is not paused in migration " + migration));
            case NOTHING_TO_SKIP -> json(exchange, 409, Map.of("error", table + " was paused by the operator, not by a "
                    + "rejected change: nothing to skip; POST …/resume instead"));
            case ALREADY_PAUSED -> json(exchange, 409, Map.of("error", table + " is already paused in migration " + migration
                    + "; GET /api/v1/migrations/" + migration + "/status shows why"));
            case UNKNOWN_TABLE -> json(exchange, 404, Map.of("error", table + " is not a target table of migration " + migration
                    + " (no row in tandem.backfill or tandem.backfill_chunk): check the name, schema.table, case-sensitive"));
            case RECORDED -> json(exchange, 202, Map.of("accepted", action, "table", table));
        }
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsString(body));
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

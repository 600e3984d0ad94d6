package dev.tandem.deploy.lifecycle;

import static dev.tandem.deploy.lifecycle.CutoverIT.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.openfeature.contrib.providers.ofrep.OfrepProvider;
import dev.openfeature.contrib.providers.ofrep.OfrepProviderOptions;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.FlagEvaluationDetails;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.tandem.deploy.api.ApiServer;
import dev.tandem.deploy.api.ApiToken;
import dev.tandem.deploy.lifecycle.switchover.SwitchOutcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An application follows the route through the OpenFeature Java SDK and its OFREP provider, against tandem's API,
 * through a cutover and a rollback: every write goes where the flag says, and none is lost or doubled.
 */
class OpenFeatureRouteIT {

    private static final String TOKEN = "ofrep-test-token";

    @Test
    void anApplicationFollowsCutoverAndRollbackThroughTheOfrepFlag() throws Exception {
        try (CutoverFixture f = new CutoverFixture("ofrep", "(n.balance_cents / 100.0)::numeric(12,2)");
             ApiServer api = new ApiServer(f.migration, "127.0.0.1", 0, f.newDb, ApiToken.load(null, TOKEN), () -> "")) {
            f.startSync();
            String base = api.uri().toString().replaceAll("/$", "");
            OpenFeatureAPI openFeature = OpenFeatureAPI.getInstance();
            openFeature.setProviderAndWait("tandem", OfrepProvider.constructProvider(OfrepProviderOptions.builder()
                    .baseUrl(base).headers(ImmutableMap.of("Authorization", ImmutableList.of("Bearer " + TOKEN))).build()));
            Client flags = openFeature.getClient("tandem");
            String flag = "tandem." + f.migration + ".side";
            ImmutableContext context = new ImmutableContext("customer-42");

            FlagEvaluationDetails<String> before = flags.getStringDetails(flag, "legacy", context);
            assertEquals("legacy", before.getValue());
            assertEquals("STATIC", before.getReason());
            assertEquals("syncing", before.getFlagMetadata().getString("phase"));
            assertEquals(ErrorCode.FLAG_NOT_FOUND, flags.getStringDetails("tandem.other.side", "legacy", context)
                    .getErrorCode(), "an unknown flag is an OFREP error, and the SDK falls back to the default");

            RouteFollowingClient app = new RouteFollowingClient(
                    () -> "new".equals(flags.getStringValue(flag, "legacy", context)), f.legacy, f.newDb, 30_000);
            f.lastClient = app;
            try (app) {
                awaitTrue(() -> app.acknowledged.size() > 50, "the application to write to legacy");
                assertEquals(SwitchOutcome.SWITCHED, f.switchover(CutoverIT.LOOSE).cutover(false).outcome());
                assertEquals("cut-over", flags.getStringDetails(flag, "legacy", context).getFlagMetadata().getString("phase"));
                long onNew = app.writtenToNew.get();
                awaitTrue(() -> app.writtenToNew.get() > onNew + 50, "the application to follow the flag to the new side");
                awaitTrue(() -> f.follower.direction() == MigrationPhase.SyncDirection.REVERSE, "the reverse sync to start");
                assertEquals(SwitchOutcome.SWITCHED, f.switchover(CutoverIT.LOOSE).rollback(false).outcome());
                long total = app.acknowledged.size();
                awaitTrue(() -> app.acknowledged.size() > total + 50, "the application to write to legacy again");
                assertEquals("legacy", flags.getStringValue(flag, "new", context));
            }
            assertTrue(app.unexpected.isEmpty(), "only retriable refusals: " + app.unexpected);
            awaitTrue(() -> f.legacyDigest().equals(f.newDigest()), "both sides to converge");
            Set<Long> inLegacy = f.ids(f.legacy, "legacy.account");
            assertTrue(inLegacy.containsAll(app.acknowledged), "acknowledged writes missing on legacy");
            f.assertEachAcknowledgedWriteOnceOnBothSides(app);
            assertBulkEvaluationAnswers304WhenTheRouteIsUnchanged(base, flag);
        }
    }

    private static void assertBulkEvaluationAnswers304WhenTheRouteIsUnchanged(String base, String flag) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest.Builder bulk = HttpRequest.newBuilder(URI.create(base + "/ofrep/v1/evaluate/flags"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString("{\"context\":{}}"));
        HttpResponse<String> first = http.send(bulk.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, first.statusCode(), first.body());
        assertTrue(first.body().contains("\"key\":\"" + flag + "\"") && first.body().contains("\"value\":\"legacy\""),
                first.body());
        String etag = first.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = http.send(bulk.header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(304, again.statusCode());
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(base + "/ofrep/v1/evaluate/flags"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode(), "the same bearer token as the API's mutations");
    }
}

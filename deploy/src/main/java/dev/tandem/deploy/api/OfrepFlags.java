package dev.tandem.deploy.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.capture.PgDatabase;
import dev.tandem.deploy.lifecycle.ControlUnavailableException;
import dev.tandem.deploy.lifecycle.MigrationPhase;
import dev.tandem.deploy.lifecycle.RouteView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The route as an OpenFeature flag, over the OpenFeature Remote Evaluation Protocol (OFREP): flag
 * {@code tandem.<migration>.side} evaluates to {@code legacy} or {@code new}, with the phase in its metadata, so an
 * application follows a cutover and a rollback through any OFREP provider instead of polling {@code …/route}.
 */
final class OfrepFlags {

    static final String SINGLE_PREFIX = "/ofrep/v1/evaluate/flags/";
    static final String BULK = "/ofrep/v1/evaluate/flags";

    /** An evaluation that ends in an OFREP error or not-modified answer. */
    record Answer(int status, Object body, String etag) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String migration;
    private final PgDatabase newDb;

    OfrepFlags(String migration, PgDatabase newDb) {
        this.migration = migration;
        this.newDb = newDb;
    }

    /** The one flag this service serves. */
    String flagKey() {
        return "tandem." + migration + ".side";
    }

    /** {@code POST /ofrep/v1/evaluate/flags/{key}}. */
    Answer evaluate(String key, InputStream body) throws IOException, ControlUnavailableException {
        if (!context(body)) {
            return new Answer(400, Map.of("key", key, "errorCode", "INVALID_CONTEXT",
                    "errorDetails", "the body must be a JSON object, with an optional object 'context'"), null);
        }
        if (!key.equals(flagKey())) {
            return new Answer(404, Map.of("key", key, "errorCode", "FLAG_NOT_FOUND",
                    "errorDetails", "this tandem serves one flag, " + flagKey() + " (the side migration " + migration
                            + "'s application writes to)"), null);
        }
        return new Answer(200, side(), null);
    }

    /** {@code POST /ofrep/v1/evaluate/flags}: every flag, with an ETag so an unchanged route answers 304. */
    Answer evaluateAll(InputStream body, String ifNoneMatch) throws IOException, ControlUnavailableException {
        if (!context(body)) {
            return new Answer(400, Map.of("errorCode", "INVALID_CONTEXT",
                    "errorDetails", "the body must be a JSON object, with an optional object 'context'"), null);
        }
        Map<String, Object> all = Map.of("flags", List.of(side()));
        String etag = etag(JSON.writeValueAsBytes(all));
        if (etag.equals(ifNoneMatch)) {
            return new Answer(304, null, etag);
        }
        return new Answer(200, all, etag);
    }

    /**
     * The flag's evaluation: {@code STATIC} since every key is on the same side today (a gradual cutover will answer
     * per targeting key). During a switch the route is still the side being left, whose writes are blocked: the
     * metadata's {@code writable} says so, so an application can hold its writes for the block instead of retrying.
     */
    private Map<String, Object> side() throws ControlUnavailableException {
        MigrationPhase phase = RouteView.phase(newDb, migration);
        String side = phase.route();
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("migration", migration);
        metadata.put("phase", phase.label());
        metadata.put("writable", !phase.switching());
        Map<String, Object> flag = new LinkedHashMap<>();
        flag.put("key", flagKey());
        flag.put("value", side);
        flag.put("reason", "STATIC");
        flag.put("variant", side);
        flag.put("metadata", metadata);
        return flag;
    }

    /** True when the body is empty or a JSON object whose {@code context}, if any, is an object. */
    private static boolean context(InputStream body) throws IOException {
        byte[] bytes = body.readAllBytes();
        if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return true;
        }
        try {
            JsonNode request = JSON.readTree(bytes);
            return request.isObject() && (!request.has("context") || request.get("context").isObject());
        } catch (IOException e) {
            return false;
        }
    }

    private static String etag(byte[] body) {
        try {
            return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}

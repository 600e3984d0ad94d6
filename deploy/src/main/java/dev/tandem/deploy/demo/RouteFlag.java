package dev.tandem.deploy.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * How the demo's application learns which side to write to: the OFREP flag {@code tandem.<migration>.side}, evaluated
 * over plain HTTP against tandem's API (the OpenFeature SDK and its OFREP provider are test dependencies only), cached
 * for a short while as a provider would, and read again at once after a write the write block refused.
 */
final class RouteFlag {

    /** The side the route names. */
    enum Side {
        LEGACY, NEW;

        String label() {
            return name().toLowerCase();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FRESH_NANOS = Duration.ofMillis(100).toNanos();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI evaluate;
    private final String token;
    private Side side;
    private long readAt;

    /** @param api the API's base address; {@code token} the bearer token, or null when the API has none */
    RouteFlag(URI api, String migration, String token) {
        this.evaluate = api.resolve("ofrep/v1/evaluate/flags/tandem." + migration + ".side");
        this.token = token;
    }

    /** The side to write to now. */
    synchronized Side side() throws IOException, InterruptedException {
        if (side == null || System.nanoTime() - readAt > FRESH_NANOS) {
            side = evaluate();
            readAt = System.nanoTime();
        }
        return side;
    }

    /** Forgets the cached answer: the next {@link #side()} asks the API. */
    synchronized void forget() {
        side = null;
    }

    private Side evaluate() throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(evaluate).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"context\":{\"targetingKey\":\"shop-app\"}}"));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("the route flag at " + evaluate + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        JsonNode value = JSON.readTree(response.body()).path("value");
        return switch (value.asText()) {
            case "legacy" -> Side.LEGACY;
            case "new" -> Side.NEW;
            default -> throw new IOException("the route flag at " + evaluate + " named no side (legacy or new): "
                    + response.body());
        };
    }
}

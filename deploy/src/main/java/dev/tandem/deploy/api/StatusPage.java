package dev.tandem.deploy.api;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serves the status page ({@code GET /}) and its two assets from the classpath ({@code page/}), with a
 * content security policy that keeps the browser on this server: nothing is fetched from elsewhere.
 */
final class StatusPage {

    /** Request path → classpath resource and content type; nothing outside this list is served. */
    private static final Map<String, String[]> ASSETS = Map.of(
            "/", new String[] {"page/index.html", "text/html; charset=utf-8"},
            "/index.html", new String[] {"page/index.html", "text/html; charset=utf-8"},
            "/page.js", new String[] {"page/page.js", "text/javascript; charset=utf-8"},
            "/page.css", new String[] {"page/page.css", "text/css; charset=utf-8"});

    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Map<String, byte[]> bodies = new LinkedHashMap<>();

    /** Reads every asset once; fails at start when the jar lacks one. */
    StatusPage() {
        for (String[] asset : ASSETS.values()) {
            bodies.computeIfAbsent(asset[0], StatusPage::load);
        }
    }

    /** True when {@code path} is the page or one of its assets. */
    static boolean serves(String path) {
        return ASSETS.containsKey(path);
    }

    void serve(HttpExchange exchange, String path) throws IOException {
        String[] asset = ASSETS.get(path);
        byte[] body = bodies.get(asset[0]);
        exchange.getResponseHeaders().set("Content-Type", asset[1]);
        exchange.getResponseHeaders().set("Content-Security-Policy", POLICY);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] load(String resource) {
        try (InputStream in = StatusPage.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the status page asset " + resource + " is missing from the classpath: "
                        + "rebuild tandem.jar (./mvnw -pl deploy -am package)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status page asset " + resource, e);
        }
    }
}

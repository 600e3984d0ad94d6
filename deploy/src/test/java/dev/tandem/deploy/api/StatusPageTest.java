package dev.tandem.deploy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The status page's assets load nothing from elsewhere and reference only what {@link StatusPage} serves. */
class StatusPageTest {

    private static final List<String> ASSETS = List.of("page/index.html", "page/page.js", "page/page.css");
    /** The SVG namespace is a name, not a fetch. */
    private static final String SVG_NAMESPACE = "http://www.w3.org/2000/svg";

    @Test
    void assetsReferenceNoOtherOrigin() throws IOException {
        for (String asset : ASSETS) {
            String text = read(asset).replace(SVG_NAMESPACE, "");
            for (String external : List.of("http://", "https://", "//fonts.", "@import", "url(")) {
                assertFalse(text.contains(external), asset + " contains '" + external + "': the page must load nothing "
                        + "from other origins");
            }
        }
    }

    @Test
    void indexLoadsOnlyTheServedAssets() throws IOException {
        Matcher m = Pattern.compile("\\s(?:src|href)=\"([^\"]*)\"").matcher(read("page/index.html"));
        Set<String> referenced = new java.util.TreeSet<>();
        while (m.find()) {
            referenced.add(m.group(1));
        }
        assertEquals(Set.of("data:,", "page.css", "page.js"), referenced);
        for (String path : referenced.stream().filter(r -> !r.startsWith("data:")).collect(Collectors.toSet())) {
            assertTrue(StatusPage.serves("/" + path), path + " is referenced but not served");
        }
        assertTrue(StatusPage.serves("/") && StatusPage.serves("/index.html"));
        assertFalse(StatusPage.serves("/../pom.xml") || StatusPage.serves("/page/page.js"), "only the listed assets");
    }

    @Test
    void everyElementTheScriptWritesExists() throws IOException {
        String html = read("page/index.html");
        Matcher m = Pattern.compile("(?:show|getElementById)\\('([a-z0-9-]+)'\\s*[,)]").matcher(read("page/page.js"));
        int checked = 0;
        while (m.find()) {
            assertTrue(html.contains("id=\"" + m.group(1) + "\""), "page.js writes #" + m.group(1) + ", index.html lacks it");
            checked++;
        }
        assertTrue(checked > 20, "found the script's element ids (" + checked + ")");
    }

    private static String read(String resource) throws IOException {
        try (InputStream in = StatusPage.class.getClassLoader().getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

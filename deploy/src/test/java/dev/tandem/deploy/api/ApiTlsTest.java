package dev.tandem.deploy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.capture.PgDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API over TLS with a self-signed PKCS12 key store made by the JDK's keytool: HTTPS answers with a client that
 * trusts the certificate, plain HTTP and TLSv1.1 do not, and a missing file or a wrong password fails at start.
 */
class ApiTlsTest {

    private static final String PASSWORD = "tls-test-pass";

    @TempDir
    static Path dir;
    static Path keystore;

    @BeforeAll
    static void selfSignedKeystore() throws Exception {
        keystore = dir.resolve("api.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "api", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, "keytool failed: " + output);
    }

    @Test
    void httpsAnswersAndPlainHttpDoesNot() throws Exception {
        ApiTls tls = ApiTls.load(keystore, PASSWORD);
        assertFalse(tls.toString().contains(PASSWORD));
        try (ApiServer api = new ApiServer("tls", "127.0.0.1", 0, new PgDatabase("127.0.0.1", 1, "none", "none", ""),
                ApiToken.load(null, null), () -> "tandem_up 1\n", null, tls)) {
            assertEquals("https", api.uri().getScheme());
            HttpClient trusting = HttpClient.newBuilder().sslContext(trusting()).build();
            HttpResponse<String> metrics = trusting.send(HttpRequest.newBuilder(api.uri().resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertEquals("tandem_up 1\n", metrics.body());

            URI plain = URI.create("http://127.0.0.1:" + api.uri().getPort() + "/metrics");
            HttpClient http = HttpClient.newHttpClient();
            assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(plain).timeout(Duration.ofSeconds(15)).build(),
                    HttpResponse.BodyHandlers.ofString()), "plain HTTP to the TLS port gets no answer");

            SSLParameters old = new SSLParameters();
            old.setProtocols(new String[] {"TLSv1.1"});
            HttpClient tls11 = HttpClient.newBuilder().sslContext(trusting()).sslParameters(old).build();
            assertThrows(IOException.class, () -> tls11.send(HttpRequest.newBuilder(api.uri().resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()), "TLSv1.1 is refused");

            HttpClient untrusting = HttpClient.newHttpClient();
            assertThrows(SSLHandshakeException.class, () -> untrusting.send(
                    HttpRequest.newBuilder(api.uri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()),
                    "a client that does not trust the certificate is refused by its own check");
        }
    }

    @Test
    void aMissingFileOrAWrongPasswordFailsAtStart() throws Exception {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ApiTls.load(dir.resolve("nope.p12"), PASSWORD));
        assertTrue(missing.getMessage().contains("nope.p12") && missing.getMessage().contains("does not exist"), missing.getMessage());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> ApiTls.load(keystore, "wrong"));
        assertTrue(wrong.getMessage().contains("wrong password") && wrong.getMessage().contains(ApiTls.PASSWORD_VARIABLE),
                wrong.getMessage());
        assertFalse(wrong.getMessage().contains("wrong\"") || wrong.getMessage().contains(PASSWORD));
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class, () -> ApiTls.load(keystore, null));
        assertTrue(unset.getMessage().contains(ApiTls.PASSWORD_VARIABLE + " is not set"), unset.getMessage());
        Path notPkcs12 = Files.writeString(dir.resolve("text.p12"), "not a key store");
        IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class, () -> ApiTls.load(notPkcs12, PASSWORD));
        assertTrue(garbage.getMessage().contains("PKCS12"), garbage.getMessage());
        IllegalArgumentException noPort = assertThrows(IllegalArgumentException.class, () -> ApiTls.forOptions(keystore, null));
        assertTrue(noPort.getMessage().contains("--api-port"), noPort.getMessage());
        assertEquals(null, ApiTls.forOptions(null, 8080));
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(ApiTls.PROTOCOLS));
    }

    /** A client context that trusts exactly the key store's certificate. */
    private static SSLContext trusting() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("api", store.getCertificate("api"));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}

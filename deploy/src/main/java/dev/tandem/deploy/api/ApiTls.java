package dev.tandem.deploy.api;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.Arrays;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The API's TLS setup: a PKCS12 key store whose password comes from {@code TANDEM_API_TLS_PASSWORD}, checked when
 * tandem starts, and TLSv1.3/TLSv1.2 only. The password is never printed or kept after the key store is opened.
 */
public final class ApiTls {

    /** Environment variable holding the key store password. */
    public static final String PASSWORD_VARIABLE = "TANDEM_API_TLS_PASSWORD";
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Path keystore;
    private final SSLContext context;

    private ApiTls(Path keystore, SSLContext context) {
        this.keystore = keystore;
        this.context = context;
    }

    /**
     * The TLS setup the {@code --api-tls-keystore} option asks for, with the password from the environment; null when
     * the option is absent.
     *
     * @throws IllegalArgumentException when the key store is given without {@code --api-port}, or cannot be used
     */
    public static ApiTls forOptions(Path keystore, Integer apiPort) {
        if (keystore == null) {
            return null;
        }
        if (apiPort == null) {
            throw new IllegalArgumentException("--api-tls-keystore needs --api-port: TLS applies to the API, which only "
                    + "runs with a port");
        }
        return load(keystore, System.getenv(PASSWORD_VARIABLE));
    }

    /**
     * Opens the key store and builds the TLS context.
     *
     * @throws IllegalArgumentException naming the file and the fix when it is missing, unreadable, not PKCS12, holds no
     *                                  key, or the password is unset or wrong
     */
    public static ApiTls load(Path keystore, String password) {
        if (!Files.isRegularFile(keystore)) {
            throw new IllegalArgumentException("API TLS key store " + keystore.toAbsolutePath() + " does not exist or is not a "
                    + "file: pass a PKCS12 file to --api-tls-keystore (e.g. made with `keytool -genkeypair -storetype PKCS12`)");
        }
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException(PASSWORD_VARIABLE + " is not set: export the password of " + keystore
                    + " in it (it is never read from the command line)");
        }
        char[] secret = password.toCharArray();
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, secret);
            if (Collections.list(store.aliases()).stream().noneMatch(alias -> isKey(store, alias))) {
                throw new IllegalArgumentException("API TLS key store " + keystore + " holds no private key (only "
                        + store.size() + " certificate entries): add the server's key and certificate to it");
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, secret);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return new ApiTls(keystore, context);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IllegalArgumentException("cannot open API TLS key store " + keystore + ": wrong password in "
                        + PASSWORD_VARIABLE, e);
            }
            throw new IllegalArgumentException("cannot read API TLS key store " + keystore + " as PKCS12: " + e.getMessage()
                    + "; check the file (convert a PEM key and certificate with `openssl pkcs12 -export`) and "
                    + PASSWORD_VARIABLE, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use API TLS key store " + keystore + ": " + e.getMessage()
                    + "; check the key in it and " + PASSWORD_VARIABLE, e);
        } finally {
            Arrays.fill(secret, '\0');
        }
    }

    private static boolean isKey(KeyStore store, String alias) {
        try {
            return store.isKeyEntry(alias);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot inspect entry " + alias + " of the API TLS key store", e);
        }
    }

    /** Applies the context to each connection, allowing TLSv1.3 and TLSv1.2 only. */
    HttpsConfigurator configurator() {
        return new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = context.getDefaultSSLParameters();
                parameters.setProtocols(PROTOCOLS);
                params.setSSLParameters(parameters);
            }
        };
    }

    @Override
    public String toString() {
        return "ApiTls[" + keystore + ", " + String.join("/", PROTOCOLS) + "]";
    }
}

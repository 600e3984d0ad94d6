package dev.tandem.deploy.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The bearer token that mutating API calls must carry, from {@code TANDEM_API_TOKEN} or a file.
 * Compared in constant time; never printed ({@link #toString()} hides it).
 */
public final class ApiToken {

    private final byte[] token;

    private ApiToken(String token) {
        this.token = token == null || token.isBlank() ? null : token.strip().getBytes(StandardCharsets.UTF_8);
    }

    /** The token from {@code file} when given, else from the environment variable; may be unset. */
    public static ApiToken load(Path file, String environmentValue) throws IOException {
        return new ApiToken(file != null ? Files.readString(file) : environmentValue);
    }

    public boolean configured() {
        return token != null;
    }

    /** True when the {@code Authorization} header carries exactly this token. */
    public boolean accepts(String authorizationHeader) {
        if (token == null || authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
            return false;
        }
        byte[] offered = authorizationHeader.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token, offered);
    }

    @Override
    public String toString() {
        return configured() ? "ApiToken[set]" : "ApiToken[unset]";
    }
}

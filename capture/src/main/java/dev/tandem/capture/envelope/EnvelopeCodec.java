package dev.tandem.capture.envelope;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Serializes change envelopes: the change log and parked changes use the compact binary form
 * ({@link BinaryEnvelope}); the dead-letter topic gets JSON, for people to read. Decoding accepts
 * both, so entries written before the binary form existed still read.
 */
public final class EnvelopeCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private EnvelopeCodec() {
    }

    public static byte[] encode(ChangeEnvelope envelope) {
        return BinaryEnvelope.encode(envelope);
    }

    /** JSON, for places people read (the dead-letter topic). */
    public static byte[] encodeJson(ChangeEnvelope envelope) {
        try {
            return MAPPER.writeValueAsBytes(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode change envelope at " + envelope.position(), e);
        }
    }

    public static ChangeEnvelope decode(byte[] bytes) {
        try {
            return BinaryEnvelope.isBinary(bytes) ? BinaryEnvelope.decode(bytes) : MAPPER.readValue(bytes, ChangeEnvelope.class);
        } catch (IOException | RuntimeException e) {
            String head = new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8);
            throw new IllegalArgumentException("not a tandem change envelope: " + head, e);
        }
    }
}

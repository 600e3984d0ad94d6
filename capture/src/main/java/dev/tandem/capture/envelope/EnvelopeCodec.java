package dev.tandem.capture.envelope;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Serializes change envelopes to and from the JSON stored in the change topic. */
public final class EnvelopeCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private EnvelopeCodec() {
    }

    public static byte[] encode(ChangeEnvelope envelope) {
        try {
            return MAPPER.writeValueAsBytes(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode change envelope at " + envelope.position(), e);
        }
    }

    public static ChangeEnvelope decode(byte[] json) {
        try {
            return MAPPER.readValue(json, ChangeEnvelope.class);
        } catch (IOException e) {
            String head = new String(json, 0, Math.min(json.length, 200), StandardCharsets.UTF_8);
            throw new IllegalArgumentException("not a tandem change envelope: " + head, e);
        }
    }
}

package dev.spindle.json;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;

final class JacksonJsonMapper implements JsonMapper {

    /** {@link JsonMapper#jackson()}: the default settings, shared (a Jackson mapper is immutable and thread-safe). */
    static final JacksonJsonMapper DEFAULT = new JacksonJsonMapper(null);

    /** The user's mapper; {@code null} for {@link Default#MAPPER}. */
    private final tools.jackson.databind.json.JsonMapper custom;

    JacksonJsonMapper(tools.jackson.databind.json.JsonMapper custom) {
        this.custom = custom;
    }

    /**
     * Built when the JVM first initializes this holder, i.e. at the first JSON read or write: Jackson's
     * set-up loads about 500 classes and takes about half a second of a cold JVM, which an app
     * pays at its first JSON request rather than before it can answer anything.
     */
    private static final class Default {
        static final tools.jackson.databind.json.JsonMapper MAPPER = defaultMapper();
    }

    private tools.jackson.databind.json.JsonMapper mapper() {
        return custom != null ? custom : Default.MAPPER;
    }

    /**
     * What a request body may contain, pinned rather than inherited from Jackson's defaults (500
     * levels, 100 million characters per string, 1,000 digits per number), which are generous for
     * a service whose bodies are 1 MiB by default: deeper or longer input is a 400 before any object
     * is built. See docs/errors.md.
     */
    static final StreamReadConstraints READ_CONSTRAINTS = StreamReadConstraints.builder()
            .maxNestingDepth(100)
            .maxStringLength(10 * 1024 * 1024)
            .maxNumberLength(100)
            .maxNameLength(1_000)
            .build();

    static tools.jackson.databind.json.JsonMapper defaultMapper() {
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(READ_CONSTRAINTS).build();
        return tools.jackson.databind.json.JsonMapper.builder(factory)
                .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    @Override
    public byte[] write(Object value) {
        return mapper().writeValueAsBytes(value);
    }

    @Override
    public <T> T read(byte[] json, Class<T> type) {
        try {
            return mapper().readValue(json, type);
        } catch (JacksonException e) {
            throw new InvalidJsonException(describe(e), e);
        }
    }

    /** A client-safe sentence: where the problem is and what it is, without Java class names. */
    private static String describe(JacksonException e) {
        StringBuilder message = new StringBuilder();
        if (e instanceof DatabindException && !e.getPath().isEmpty()) {
            message.append("Invalid value for field '").append(fieldPath(e)).append("'");
        } else {
            message.append("Malformed JSON");
        }
        TokenStreamLocation location = e.getLocation();
        if (location != null && location.getLineNr() > 0) {
            message.append(" at line ").append(location.getLineNr())
                    .append(", column ").append(location.getColumnNr());
        }
        String reason = e.getOriginalMessage();
        if (reason != null && !reason.isBlank()) {
            message.append(": ").append(firstSentence(reason));
        }
        return message.toString();
    }

    private static String fieldPath(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /**
     * Jackson's messages name Java types ({@code `com.acme.api.Orders$Order`}); clients get the
     * simple name ({@code Order}) and only the first line.
     */
    private static String firstSentence(String reason) {
        String text = reason.replaceAll("`(?:[A-Za-z0-9_]+[.$])+([A-Za-z0-9_]+)`", "$1");
        int cut = text.indexOf('\n');
        return cut < 0 ? text : text.substring(0, cut);
    }
}

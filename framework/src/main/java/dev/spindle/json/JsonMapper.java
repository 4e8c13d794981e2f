package dev.spindle.json;

/**
 * Reads and writes JSON for request bodies ({@code ctx.bodyAs}) and returned values.
 * The default is {@link #jackson()}; pass your own Jackson mapper with
 * {@link #jackson(tools.jackson.databind.json.JsonMapper)} to change its settings.
 *
 * <p><b>Threading:</b> implementations must be safe for concurrent use; they are called on handler threads.
 */
public interface JsonMapper {

    /** Serializes {@code value} to UTF-8 JSON. */
    byte[] write(Object value);

    /**
     * Deserializes UTF-8 JSON into {@code type}.
     *
     * @throws InvalidJsonException with a client-safe message naming the field or position at fault
     */
    <T> T read(byte[] json, Class<T> type);

    /**
     * Jackson 3 with records, {@code java.time} and {@code Optional} support and ISO-8601 dates.
     * Jackson itself is set up at the first JSON read or write, not here: an app starts without it
     * and pays for it (about half a second on a cold JVM) with its first JSON body or error.
     */
    static JsonMapper jackson() {
        return JacksonJsonMapper.DEFAULT;
    }

    /** Jackson 3 with the given, already configured mapper. */
    static JsonMapper jackson(tools.jackson.databind.json.JsonMapper mapper) {
        return new JacksonJsonMapper(mapper);
    }
}

/**
 * JSON behind a two-method interface, {@link dev.spindle.json.JsonMapper}: Jackson 3 by default,
 * with records, {@code java.time} (ISO-8601 text) and {@code Optional} out of the box, or the
 * user's own configured Jackson mapper. Reading errors become
 * {@link dev.spindle.json.InvalidJsonException}s whose message names the field or position and no
 * Java type, fit to show the client in a 400.
 */
package dev.spindle.json;

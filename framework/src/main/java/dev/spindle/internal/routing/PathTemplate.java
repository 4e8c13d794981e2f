package dev.spindle.internal.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A compiled route template such as {@code /users/{id:int}/files/{rest:path}}, with Flask's
 * converters: {@code {name}} (one non-empty segment), {@code {id:int}}, {@code {x:float}},
 * {@code {u:uuid}} and {@code {rest:path}} (the rest of the path, slashes included; last only).
 * A value that does not convert does not match, so it ends as 404, never as 500; neither does a
 * {@code .} or {@code ..} segment, in any parameter.
 *
 * <p>A trailing slash is part of the template: {@code /docs/} and {@code /docs} are different routes
 * (see {@link Router} for the redirect from {@code /docs} to {@code /docs/}).
 */
public final class PathTemplate {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final String template;
    private final List<Segment> segments;
    /** The parameters' names in order, computed once: every match of the route reads them. */
    private final String[] names;
    private final List<String> parameterNames;

    private PathTemplate(String template, List<Segment> segments) {
        this.template = template;
        this.segments = segments;
        this.names = segments.stream().filter(Segment::isParameter).map(Segment::name).toArray(String[]::new);
        this.parameterNames = List.of(names);
    }

    /**
     * Compiles {@code template}.
     *
     * @throws IllegalArgumentException with a sentence naming the problem, for a template that does
     *         not start with {@code /}, has an unknown converter, a duplicate parameter name, or a
     *         {@code path} parameter before the end
     */
    public static PathTemplate parse(String template) {
        if (template == null || !template.startsWith("/")) {
            throw new IllegalArgumentException("Route template must start with '/': " + template);
        }
        String[] parts = template.substring(1).split("/", -1);
        List<Segment> segments = new ArrayList<>(parts.length);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.startsWith("{") && part.endsWith("}")) {
                String body = part.substring(1, part.length() - 1);
                int colon = body.indexOf(':');
                String name = colon < 0 ? body : body.substring(0, colon);
                String converterName = colon < 0 ? "string" : body.substring(colon + 1);
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("Invalid parameter name '" + name + "' in " + template);
                }
                if (names.contains(name)) {
                    throw new IllegalArgumentException("Parameter '" + name + "' appears twice in " + template);
                }
                Converter converter = Converter.named(converterName, template);
                if (converter == Converter.PATH && i != parts.length - 1) {
                    throw new IllegalArgumentException("A {" + name + ":path} parameter must be the last segment of " + template);
                }
                names.add(name);
                segments.add(new Segment(null, name, converter));
            } else if (part.contains("{") || part.contains("}")) {
                throw new IllegalArgumentException("A parameter must fill a whole segment, not '" + part + "' in " + template);
            } else {
                segments.add(new Segment(part, null, null));
            }
        }
        return new PathTemplate(template, List.copyOf(segments));
    }

    /** The template as written. */
    public String template() {
        return template;
    }

    List<Segment> segments() {
        return segments;
    }

    /** Names of the parameters, in order. */
    public List<String> parameterNames() {
        return parameterNames;
    }

    /** The same names as an array, for the router; never modified. */
    String[] names() {
        return names;
    }

    /**
     * Builds a path from parameter values, Flask's {@code url_for}: values are converted with
     * {@code toString()} and percent-encoded (a {@code path} parameter keeps its slashes).
     * A value the path would not give back is refused: {@code \} in any parameter and {@code /}
     * outside a {@code path} parameter, since the server keeps {@code %5C} and {@code %2F} encoded
     * when it matches (so that neither ever becomes a separator).
     *
     * @throws IllegalArgumentException if a parameter is missing, does not fit its converter, or
     *         holds a character its URL could not carry back
     */
    public String expand(Map<String, ?> values) {
        StringBuilder path = new StringBuilder();
        for (Segment segment : segments) {
            path.append('/');
            if (!segment.isParameter()) {
                path.append(segment.literal());
                continue;
            }
            Object value = values.get(segment.name());
            if (value == null) {
                throw new IllegalArgumentException("Missing value for parameter '" + segment.name() + "' of " + template);
            }
            String text = value.toString();
            if (segment.converter().convert(text) == null) {
                throw new IllegalArgumentException("Value '" + text + "' does not fit {" + segment.name() + ":"
                        + segment.converter().label + "} of " + template);
            }
            boolean keepsSlashes = segment.converter() == Converter.PATH;
            if (text.indexOf('\\') >= 0 || (!keepsSlashes && text.indexOf('/') >= 0)) {
                throw new IllegalArgumentException("Value '" + text + "' of {" + segment.name() + ":"
                        + segment.converter().label + "} in " + template + " cannot be sent in a URL: the server matches"
                        + " an encoded " + (text.indexOf('\\') >= 0 ? "'\\' (%5C)" : "'/' (%2F)")
                        + " as it was sent, so the URL would not match back to this value"
                        + (keepsSlashes ? "" : "; a {" + segment.name() + ":path} parameter takes slashes"));
            }
            path.append(keepsSlashes ? PercentEncoding.encodePath(text) : PercentEncoding.encodeSegment(text));
        }
        return path.toString();
    }

    @Override
    public String toString() {
        return template;
    }

    /** One segment: a literal, or a named parameter with its converter. */
    record Segment(String literal, String name, Converter converter) {
        boolean isParameter() {
            return converter != null;
        }
    }

    /** Converters in matching priority: a segment tries the more specific ones first. */
    enum Converter {
        INT("int") {
            @Override
            Object convert(String text) {
                if (text.isEmpty() || text.length() > 10) {
                    return null;
                }
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (c < '0' || c > '9') {
                        return null;
                    }
                }
                long value = Long.parseLong(text);
                return value <= Integer.MAX_VALUE ? (Object) (int) value : null;
            }
        },
        FLOAT("float") {
            @Override
            Object convert(String text) {
                int dot = text.indexOf('.');
                if (dot <= 0 || dot == text.length() - 1) {
                    return null;
                }
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (i != dot && (c < '0' || c > '9')) {
                        return null;
                    }
                }
                return Double.parseDouble(text);
            }
        },
        UUID_("uuid") {
            @Override
            Object convert(String text) {
                if (text.length() != 36) {
                    return null;
                }
                try {
                    return UUID.fromString(text);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        },
        STRING("string") {
            @Override
            Object convert(String text) {
                return text.isEmpty() || isDotSegment(text) ? null : text;
            }
        },
        PATH("path") {
            @Override
            Object convert(String text) {
                if (text.isEmpty()) {
                    return null;
                }
                for (String segment : text.split("/", -1)) {
                    if (isDotSegment(segment)) {
                        return null;
                    }
                }
                return text;
            }
        };

        /**
         * {@code .} and {@code ..} never match a parameter: a client that sends them unnormalised is
         * probing for paths outside the one the route names, and a handler that joins a parameter
         * to a directory must never see them.
         */
        private static boolean isDotSegment(String segment) {
            return segment.equals(".") || segment.equals("..");
        }

        final String label;

        Converter(String label) {
            this.label = label;
        }

        /** The converted value, or {@code null} if {@code text} does not fit. */
        abstract Object convert(String text);

        static Converter named(String name, String template) {
            for (Converter converter : values()) {
                if (converter.label.equals(name)) {
                    return converter;
                }
            }
            throw new IllegalArgumentException("Unknown converter '" + name + "' in " + template
                    + ": expected one of string, int, float, uuid, path");
        }
    }
}

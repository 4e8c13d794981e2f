package dev.spindle.internal.http;

import java.util.Locale;

/** Reads media types out of {@code Content-Type} and {@code Accept}; the request view and the body reader share it. */
final class MediaTypes {

    private MediaTypes() {
    }

    /** {@code type/subtype} of a {@code Content-Type} value, lower case, without parameters; {@code null} for none. */
    static String essence(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    /** {@code application/json} or any {@code +json} type, such as {@code application/vnd.api+json}. */
    static boolean isJson(String essence) {
        return essence.equals("application/json") || essence.endsWith("+json");
    }

    /**
     * Ranks HTML against JSON by quality values. HTML must be named to win: API clients that send
     * only {@code *}{@code /*} get problem bodies; browsers, which name HTML above their wildcard, get pages.
     */
    static boolean prefersHtml(String accept) {
        if (accept == null) {
            return false;
        }
        double html = 0;
        double json = 0;
        double anything = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            double quality = quality(parts);
            switch (type) {
                case "text/html", "application/xhtml+xml" -> html = Math.max(html, quality);
                case "application/json", "application/problem+json" -> json = Math.max(json, quality);
                case "application/*", "*/*" -> anything = Math.max(anything, quality);
                default -> { }
            }
        }
        return html > 0 && html > json && html >= anything;
    }

    private static double quality(String[] mediaRangeParts) {
        for (int i = 1; i < mediaRangeParts.length; i++) {
            String param = mediaRangeParts[i].trim();
            if (param.startsWith("q=") || param.startsWith("Q=")) {
                try {
                    return Double.parseDouble(param.substring(2).trim());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }
}

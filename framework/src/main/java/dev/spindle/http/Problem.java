package dev.spindle.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem body, the shape of every error Spindle sends:
 * {@code {"type":"about:blank","title":"Not Found","status":404,"detail":"…","requestId":"…"}} as
 * {@code application/problem+json}, or a small HTML page when the client prefers HTML.
 * Never carries a stack trace or a Java class name.
 */
public record Problem(String type, String title, int status, String detail) {

    /** The media type of problem bodies. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** A problem of type {@code about:blank} whose title is the status's reason phrase. */
    public static Problem of(int status, String detail) {
        return new Problem("about:blank", HttpStatus.reasonPhrase(status), status, detail);
    }

    /** The 500 for an unexpected failure: no detail of the cause, only the id to quote when reporting it. */
    public static Problem unexpected(String requestId) {
        return of(HttpStatus.INTERNAL_SERVER_ERROR,
                "An unexpected error occurred; quote request id " + requestId + " when reporting it");
    }

    /** Sets {@code ctx}'s status and body to this problem, in JSON or HTML as the client prefers. */
    public void writeTo(Context ctx) {
        ctx.status(status);
        if (ctx.prefersHtml()) {
            ctx.html("<!doctype html><html><head><title>" + status + " " + escape(title) + "</title></head><body><h1>"
                    + status + " " + escape(title) + "</h1><p>" + escape(detail) + "</p><p><small>Request id "
                    + escape(ctx.requestId()) + "</small></p></body></html>");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>(8);
        body.put("type", type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.put("requestId", ctx.requestId());
        ctx.json(body).contentType(MEDIA_TYPE);
    }

    private static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}

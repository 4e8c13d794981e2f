package dev.spindle.internal.http;

import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import dev.spindle.http.UploadedFile;
import dev.spindle.json.InvalidJsonException;
import dev.spindle.json.JsonMapper;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request body in the shapes a handler asks for. Every failure that is the client's (a body
 * that is not JSON, malformed JSON, a malformed form) becomes a 415 or 400 here, so handlers need
 * no checks of their own.
 */
final class BodyReader {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String MULTIPART = "multipart/form-data";

    private final ServerRequest request;
    private final JsonMapper json;
    private Map<String, List<String>> form;

    BodyReader(ServerRequest request, JsonMapper json) {
        this.request = request;
        this.json = json;
    }

    byte[] bytes() {
        return request.body();
    }

    InputStream stream() {
        return request.bodyStream();
    }

    /**
     * Only a body that says it is JSON is read as JSON, as Flask's {@code get_json()} does: one
     * without {@code Content-Type} gets 415 like one that names another type, so a form posted
     * cross-site (which cannot send {@code application/json} without a preflight) is never parsed.
     */
    <T> T as(Class<T> type) {
        String contentType = contentType();
        if (contentType == null) {
            throw new HttpException(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Expected a JSON body with Content-Type: application/json; the request has no Content-Type");
        }
        if (!MediaTypes.isJson(contentType)) {
            throw new HttpException(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Expected a JSON body (Content-Type: application/json), got " + contentType);
        }
        byte[] body = request.body();
        if (body.length == 0) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "The request body is empty; expected JSON");
        }
        try {
            return json.read(body, type);
        } catch (InvalidJsonException e) {
            throw new HttpException(HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

    Map<String, List<String>> form() {
        if (form == null) {
            String contentType = contentType();
            if (FORM.equals(contentType)) {
                form = urlDecoded(new String(request.body(), StandardCharsets.UTF_8));
            } else if (MULTIPART.equals(contentType)) {
                form = request.multipart().fields();
            } else {
                form = Map.of();
            }
        }
        return form;
    }

    List<UploadedFile> files(String name) {
        if (!MULTIPART.equals(contentType())) {
            return List.of();
        }
        return request.multipart().files().getOrDefault(name, List.of());
    }

    private String contentType() {
        return MediaTypes.essence(request.header("Content-Type"));
    }

    private static Map<String, List<String>> urlDecoded(String body) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
            } catch (IllegalArgumentException e) {
                throw new HttpException(HttpStatus.BAD_REQUEST, "Malformed form body: " + e.getMessage());
            }
        }
        return params;
    }
}

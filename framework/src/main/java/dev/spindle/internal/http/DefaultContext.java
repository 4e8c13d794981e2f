package dev.spindle.internal.http;

import dev.spindle.http.AttributeKey;
import dev.spindle.http.Context;
import dev.spindle.http.Cookie;
import dev.spindle.http.EventSink;
import dev.spindle.http.UploadedFile;
import dev.spindle.json.JsonMapper;
import java.io.InputStream;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The context Spindle hands to every hook and handler: the request view, the body reader and the
 * response, behind the one {@link Context} interface. What only the pipeline and the server
 * adapter may do (render a returned value, reset the response for an error, read the finished
 * response) is here rather than on the interface, where a handler could call it.
 */
public final class DefaultContext implements Context {

    private static final String JSON = "application/json";

    private final RequestView request;
    private final BodyReader body;
    private final Response response = new Response();
    private final JsonMapper json;
    private Map<AttributeKey<?>, Object> attributes;

    /**
     * @param routeTemplate the matched route's template, e.g. {@code /users/{id:int}}
     * @param pathParams path parameter values already converted by the template, unmodifiable: handed
     *        to handlers as they are
     */
    public DefaultContext(ServerRequest request, JsonMapper json, String requestId, String routeTemplate,
                          Map<String, Object> pathParams) {
        this.request = new RequestView(request, requestId, routeTemplate, pathParams);
        this.body = new BodyReader(request, json);
        this.json = json;
    }

    /** Writes what the handler (or an error handler) returned; see {@link Renderer}. */
    public DefaultContext result(Object value) {
        Renderer.render(value, this);
        return this;
    }

    /** Clears status, headers, cookies, body and event stream before an error response is written. */
    public DefaultContext resetResponse() {
        response.reset();
        return this;
    }

    /** The response built so far, for the server adapter to write. */
    public Response response() {
        return response;
    }

    @Override
    public String method() {
        return request.method();
    }

    @Override
    public String path() {
        return request.path();
    }

    @Override
    public String routeTemplate() {
        return request.routeTemplate();
    }

    @Override
    public String requestId() {
        return request.requestId();
    }

    @Override
    public Map<String, Object> pathParams() {
        return request.pathParams();
    }

    @Override
    public <T> T pathParam(String name, Class<T> type) {
        return request.pathParam(name, type);
    }

    @Override
    public String queryString() {
        return request.queryString();
    }

    @Override
    public Map<String, List<String>> queryParamMap() {
        return request.queryParams();
    }

    @Override
    public int queryParamAsInt(String name, int defaultValue) {
        return request.queryParamAsInt(name, defaultValue);
    }

    @Override
    public long queryParamAsLong(String name, long defaultValue) {
        return request.queryParamAsLong(name, defaultValue);
    }

    @Override
    public double queryParamAsDouble(String name, double defaultValue) {
        return request.queryParamAsDouble(name, defaultValue);
    }

    @Override
    public String header(String name) {
        return request.header(name);
    }

    @Override
    public List<String> headers(String name) {
        return request.headers(name);
    }

    @Override
    public Collection<String> headerNames() {
        return request.headerNames();
    }

    @Override
    public Map<String, String> cookies() {
        return request.cookies();
    }

    @Override
    public String contentType() {
        return request.contentType();
    }

    @Override
    public boolean prefersHtml() {
        return request.prefersHtml();
    }

    @Override
    public String remoteAddress() {
        return request.remoteAddress();
    }

    @Override
    public String scheme() {
        return request.scheme();
    }

    @Override
    public String host() {
        return request.host();
    }

    @Override
    public byte[] bodyBytes() {
        return body.bytes();
    }

    @Override
    public InputStream bodyStream() {
        return body.stream();
    }

    @Override
    public <T> T bodyAs(Class<T> type) {
        return body.as(type);
    }

    @Override
    public Map<String, List<String>> formParamMap() {
        return body.form();
    }

    @Override
    public List<UploadedFile> uploadedFiles(String name) {
        return body.files(name);
    }

    @Override
    public <T> T attribute(AttributeKey<T> key) {
        return attributes == null ? null : key.type().cast(attributes.get(key));
    }

    @Override
    public <T> Context attribute(AttributeKey<T> key, T value) {
        if (attributes == null) {
            attributes = new HashMap<>();
        }
        attributes.put(key, value);
        return this;
    }

    @Override
    public int status() {
        return response.status();
    }

    @Override
    public Context status(int status) {
        response.status(status);
        return this;
    }

    @Override
    public Context header(String name, String value) {
        response.header(name, value);
        return this;
    }

    @Override
    public Context addHeader(String name, String value) {
        response.addHeader(name, value);
        return this;
    }

    @Override
    public String responseHeader(String name) {
        return response.header(name);
    }

    @Override
    public Context cookie(Cookie cookie) {
        response.cookie(cookie);
        return this;
    }

    @Override
    public byte[] responseBody() {
        return response.body();
    }

    @Override
    public Context responseBody(byte[] body) {
        response.body(body);
        return this;
    }

    @Override
    public Context json(Object value) {
        byte[] written = json.write(value);
        return contentType(JSON).responseBody(written);
    }

    @Override
    public void eventStream(Consumer<EventSink> source) {
        response.eventStream(source);
    }

    @Override
    public Context redirect(String location, int status) {
        response.redirect(location, status);
        return this;
    }
}

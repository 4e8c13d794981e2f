package dev.spindle.internal.server;

import io.undertow.Handlers;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.server.handlers.resource.PathResourceManager;
import io.undertow.server.handlers.resource.Resource;
import io.undertow.server.handlers.resource.ResourceChangeListener;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.server.handlers.resource.ResourceManager;
import io.undertow.server.handlers.resource.URLResource;
import io.undertow.util.ETag;
import io.undertow.util.Methods;
import io.undertow.util.MimeMappings;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Date;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Static files under URL prefixes, served by Undertow's {@link ResourceHandler} (ETag, Last-Modified,
 * conditional requests, ranges), with Spindle's rules around it:
 * <ul>
 *   <li>a path with a {@code ..} segment or a backslash never reaches a resource manager, however it
 *       was encoded (Undertow has already decoded it); symlinks are not followed out of a directory;</li>
 *   <li>a missing file, or a directory without {@code index.html}, falls through to the routes with
 *       the full path, so it ends as the app's 404 (never a 403 that confirms a directory exists, and
 *       never a route matched against the path with the prefix stripped);</li>
 *   <li>methods other than GET and HEAD fall through to the routes as well, and so do WebSocket
 *       upgrade requests, and every request once the server is stopping, so that it gets the
 *       routes' 503;</li>
 *   <li>every file has a strong ETag from its modification time and size, classpath resources too.</li>
 * </ul>
 */
final class StaticFiles {

    private static final List<String> WELCOME_FILES = List.of("index.html");

    /** Text types are assumed UTF-8, as a browser would otherwise guess windows-1252. */
    private static final MimeMappings MIME_TYPES = MimeMappings.builder(true)
            .addMapping("html", "text/html; charset=UTF-8")
            .addMapping("htm", "text/html; charset=UTF-8")
            .addMapping("txt", "text/plain; charset=UTF-8")
            .addMapping("css", "text/css; charset=UTF-8")
            .addMapping("csv", "text/csv; charset=UTF-8")
            .addMapping("js", "text/javascript; charset=UTF-8")
            .addMapping("mjs", "text/javascript; charset=UTF-8")
            .addMapping("json", "application/json")
            .addMapping("svg", "image/svg+xml")
            .addMapping("webmanifest", "application/manifest+json")
            .build();

    private StaticFiles() {
    }

    /**
     * {@code routes}, with every configured prefix served from its files first. A file response counts
     * in {@code inFlight} until its last byte is written, so a stop lets it finish rather than cut it
     * off. Once {@code stopping} is true, file requests go to the routes too, which answer 503 while
     * draining.
     */
    static HttpHandler mount(HttpHandler routes, List<ServerOptions.StaticMount> mounts, BooleanSupplier stopping,
                             InFlightRequests inFlight) {
        if (mounts.isEmpty()) {
            return routes;
        }
        ExchangeCompletionListener countEnd = (done, next) -> {
            inFlight.end();
            next.proceed();
        };
        HttpHandler fallThrough = exchange -> {
            exchange.setRelativePath(exchange.getRequestPath());
            if (exchange.isInIoThread()) {
                routes.handleRequest(exchange);
            } else {
                // ResourceHandler looks files up on a worker thread; the routes start on the IO thread.
                exchange.dispatch(exchange.getIoThread(), () -> {
                    try {
                        routes.handleRequest(exchange);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        };
        PathHandler paths = Handlers.path(routes);
        for (ServerOptions.StaticMount files : mounts) {
            ResourceManager manager = new Guarded(files.classpath()
                    ? new Classpath(StaticFiles.class.getClassLoader(), files.location().replaceAll("^/+|/+$", ""))
                    : PathResourceManager.builder()
                            .setBase(Path.of(files.location()).toAbsolutePath().normalize())
                            .setFollowLinks(false)
                            .setCaseSensitive(true)
                            .setETagFunction(StaticFiles::etag)
                            .build());
            ResourceHandler resources = new ResourceHandler(manager, fallThrough)
                    .setDirectoryListingEnabled(false)
                    .setMimeMappings(MIME_TYPES)
                    .setWelcomeFiles(WELCOME_FILES.toArray(String[]::new));
            paths.addPrefixPath(files.urlPrefix(), exchange -> {
                boolean readsFile = exchange.getRequestMethod().equals(Methods.GET)
                        || exchange.getRequestMethod().equals(Methods.HEAD);
                if (readsFile && !WebSocketUpgrades.requested(exchange)) {
                    // Counted before stopping is read: a stop that begins after the read waits for this file.
                    inFlight.begin();
                    exchange.addExchangeCompleteListener(countEnd);
                    if (!stopping.getAsBoolean()) {
                        resources.handleRequest(exchange);
                        return;
                    }
                }
                fallThrough.handleRequest(exchange);
            });
        }
        return paths;
    }

    private static ETag etag(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return etag(attributes.lastModifiedTime().toMillis(), attributes.size());
        } catch (IOException e) {
            return null;
        }
    }

    private static ETag etag(long lastModifiedMillis, long size) {
        return new ETag(false, Long.toHexString(lastModifiedMillis) + "-" + Long.toHexString(size));
    }

    private static boolean escapes(String path) {
        if (path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            return true;
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    /** Refuses escaping paths and hides directories without a welcome file. */
    private record Guarded(ResourceManager files) implements ResourceManager {

        @Override
        public Resource getResource(String path) throws IOException {
            if (path == null || escapes(path)) {
                return null;
            }
            Resource resource = files.getResource(path);
            if (resource == null || !resource.isDirectory()) {
                return resource;
            }
            String base = path.endsWith("/") ? path : path + "/";
            for (String welcome : WELCOME_FILES) {
                Resource index = files.getResource(base + welcome);
                if (index != null && !index.isDirectory()) {
                    return resource;
                }
            }
            return null;
        }

        @Override
        public boolean isResourceChangeListenerSupported() {
            return false;
        }

        @Override
        public void registerResourceChangeListener(ResourceChangeListener listener) {
            throw new UnsupportedOperationException("Static files are not watched for changes");
        }

        @Override
        public void removeResourceChangeListener(ResourceChangeListener listener) {
            throw new UnsupportedOperationException("Static files are not watched for changes");
        }

        @Override
        public void close() throws IOException {
            files.close();
        }
    }

    /** Classpath resources under a folder, with ETags (Undertow's own classpath manager gives none). */
    private record Classpath(ClassLoader loader, String folder) implements ResourceManager {

        @Override
        public Resource getResource(String path) {
            String relative = path.startsWith("/") ? path.substring(1) : path;
            String name = folder.isEmpty() ? relative : folder + "/" + relative;
            URL url = loader.getResource(name);
            if (url == null) {
                return null;
            }
            return new URLResource(url, path) {
                @Override
                public ETag getETag() {
                    Date modified = getLastModified();
                    Long size = getContentLength();
                    return modified == null || size == null ? null : etag(modified.getTime(), size);
                }
            };
        }

        @Override
        public boolean isResourceChangeListenerSupported() {
            return false;
        }

        @Override
        public void registerResourceChangeListener(ResourceChangeListener listener) {
            throw new UnsupportedOperationException("Classpath resources do not change");
        }

        @Override
        public void removeResourceChangeListener(ResourceChangeListener listener) {
            throw new UnsupportedOperationException("Classpath resources do not change");
        }

        @Override
        public void close() {
        }
    }
}

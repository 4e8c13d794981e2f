package dev.spindle.benchmarks;

import dev.spindle.Spindle;
import dev.spindle.threading.ThreadingMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * The server {@link StreamingUploadRss} measures, in a JVM of its own: one streaming route that
 * reads its body as it arrives and answers with the number of bytes read, and
 * {@code GET /direct-memory}, the JVM's direct buffers as {@code <count> <bytes>}. Listens on a free
 * 127.0.0.1 port, prints {@code PORT <n>}, and stops when its standard input closes. It uses only
 * the public API, so the same class runs against the framework jar of another build.
 *
 * <p>Argument: {@code virtual} (default) or {@code threaded}, the threading mode of the route.
 */
public final class StreamingUploadServer {

    private StreamingUploadServer() {
    }

    public static void main(String[] args) throws IOException {
        ThreadingMode mode = switch (args.length == 0 ? "virtual" : args[0]) {
            case "virtual" -> ThreadingMode.virtualThreads();
            case "threaded" -> ThreadingMode.threadPerRequest();
            default -> throw new IllegalArgumentException("Mode must be virtual or threaded, not " + args[0]);
        };
        Spindle app = Spindle.create(config -> config.host("127.0.0.1").threading(mode));
        app.post("/upload", ctx -> {
            byte[] buffer = new byte[8192];
            long total = 0;
            try (InputStream body = ctx.bodyStream()) {
                for (int read; (read = body.read(buffer)) >= 0; ) {
                    total += read;
                }
            }
            return Long.toString(total);
        }, route -> route.streamingBody(16L * 1024 * 1024));
        app.get("/direct-memory", ctx -> {
            BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
            return direct.getCount() + " " + direct.getMemoryUsed();
        });
        app.start(0);
        System.out.println("PORT " + app.port());
        System.out.flush();
        System.in.transferTo(OutputStream.nullOutputStream()); // until the measuring process closes it
        app.stop();
    }
}

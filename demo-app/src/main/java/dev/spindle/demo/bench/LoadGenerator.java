package dev.spindle.demo.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * bench's HTTP/1.1 load generator: Netty event loops (epoll where available, as wrk uses epoll),
 * keep-alive connections, each request written from one pre-encoded buffer and each answer read by
 * Netty's HTTP decoder. {@link #run} drives several {@link Load}s at once for a bounded step.
 *
 * <p><b>Threading:</b> {@link #run} blocks the calling thread (the "driver") for the step; the
 * connections live on the event loops. One generator runs one step at a time.
 */
final class LoadGenerator implements AutoCloseable {

    /** Connecting every slot before the clock starts is bounded by this. */
    private static final Duration CONNECT_WAIT = Duration.ofSeconds(10);
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /** What the driver reports while a step runs, about twice a second. */
    record Tick(double elapsedSeconds, double totalSeconds, List<LoadRun> runs, List<Histogram> intervals) {
    }

    /** A finished step: each load's result and the share of the machine's CPU this process used. */
    record Outcome(List<LoadResult> loads, double seconds, double clientCpuPercent) {
    }

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelType;
    private final String transport;
    private final Bootstrap template;

    LoadGenerator(int threads) {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("bench-client", true), io);
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.transport = epoll ? "epoll" : "nio";
        this.template = new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000);
    }

    /** {@code epoll} or {@code nio}. */
    String transport() {
        return transport;
    }

    /**
     * Runs {@code loads} together: connects every slot, starts the clock, and stops at
     * {@code duration} or when every count-bounded load has been answered, whichever is first.
     */
    Outcome run(List<Load> loads, Duration duration, Consumer<Tick> progress) throws UnknownHostException,
            InterruptedException {
        List<LoadRun> runs = new ArrayList<>();
        List<Connection> slots = new ArrayList<>();
        Map<EventLoop, List<Connection>> byLoop = new IdentityHashMap<>();
        try {
            for (Load load : loads) {
                LoadRun run = new LoadRun(load);
                runs.add(run);
                InetSocketAddress address = load.target().socketAddress();
                for (int i = 0; i < load.connections(); i++) {
                    EventLoop loop = group.next();
                    Connection slot = new Connection(run, loop, template, address);
                    slots.add(slot);
                    byLoop.computeIfAbsent(loop, l -> new ArrayList<>()).add(slot);
                }
            }
            CountDownLatch connected = new CountDownLatch(slots.size());
            slots.forEach(slot -> slot.connect(connected));
            connected.await(CONNECT_WAIT.toMillis(), TimeUnit.MILLISECONDS);

            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            long deadline = start + duration.toNanos();
            runs.forEach(run -> run.start(start, deadline));
            List<ScheduledFuture<?>> sweeps = new ArrayList<>();
            byLoop.forEach((loop, onLoop) -> {
                long every = Math.max(1, Math.min(250, minTimeoutMillis(loads) / 4));
                sweeps.add(loop.scheduleAtFixedRate(() -> {
                    long now = System.nanoTime();
                    for (Connection slot : onLoop) {
                        slot.checkTimeout(now);
                    }
                }, every, every, TimeUnit.MILLISECONDS));
            });
            slots.forEach(slot -> slot.loop().execute(slot::begin));

            long nextTick = start + PROGRESS_EVERY_NANOS;
            long end;
            while (true) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    end = deadline;
                    break;
                }
                if (runs.stream().allMatch(LoadRun::finished)) {
                    end = runs.stream().mapToLong(LoadRun::lastCompletion).max().orElse(now);
                    break;
                }
                if (now >= nextTick) {
                    List<Histogram> intervals = runs.stream().map(LoadRun::drainInterval).toList();
                    progress.accept(new Tick((now - start) / 1e9, duration.toNanos() / 1e9, runs, intervals));
                    nextTick += PROGRESS_EVERY_NANOS;
                }
                LockSupport.parkNanos(Math.min(deadline - now, TimeUnit.MILLISECONDS.toNanos(20)));
                if (Thread.interrupted()) {
                    throw new InterruptedException("bench interrupted");
                }
            }
            runs.forEach(LoadRun::stop);
            sweeps.forEach(sweep -> sweep.cancel(false));
            List<Future<?>> finishing = new ArrayList<>();
            for (Connection slot : slots) {
                finishing.add(slot.loop().submit(slot::finish));
            }
            for (Future<?> future : finishing) {
                future.await(CONNECT_WAIT.toMillis());
            }
            runs.forEach(LoadRun::recordUnsent);
            double cpuPercent = 100.0 * (processCpuNanos() - cpuBefore)
                    / ((double) (System.nanoTime() - start) * Runtime.getRuntime().availableProcessors());
            double seconds = (end - start) / 1e9;
            return new Outcome(runs.stream().map(run -> run.result(seconds)).toList(), seconds, cpuPercent);
        } finally {
            runs.forEach(LoadRun::release);
        }
    }


    /** The pipeline every connection gets: Netty's response decoder (headers unchecked: we only read status and keep-alive), then the slot. */
    static ChannelInitializer<SocketChannel> pipeline(Connection slot) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(
                        new HttpResponseDecoder(new HttpDecoderConfig().setValidateHeaders(false)), slot);
            }
        };
    }

    private static long minTimeoutMillis(List<Load> loads) {
        return loads.stream().mapToLong(load -> load.timeout().toMillis()).min().orElse(1_000);
    }

    /** CPU time this process has used, in nanoseconds (all threads: event loops, driver, GC, JIT). */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}

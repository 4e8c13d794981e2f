package dev.spindle.demo.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One connection slot of a {@link Load}: a keep-alive channel that sends the pre-encoded request,
 * reads the answer with Netty's HTTP decoder, and sends the next. When the server closes the
 * connection (HTTP/1.0, {@code Connection: close}) or it breaks, the slot connects again.
 *
 * <p><b>Threading:</b> the slot is bound to one event loop; every field is touched only there,
 * except that the driver submits {@link #begin()} and {@link #finish()} to that loop.
 */
@ChannelHandler.Sharable
final class Connection extends ChannelInboundHandlerAdapter {

    private static final long RECONNECT_DELAY_MS = 50;

    private final LoadRun run;
    private final Bootstrap bootstrap;
    private final SocketAddress address;
    private final EventLoop loop;
    private Channel channel;
    private boolean begun;
    private boolean finished;
    /** Intended send time of the request taken but not yet answered; -1 when none. */
    private long intended = -1;
    private long sentAt;
    private boolean inFlight;
    private int status;
    private boolean keepAlive;
    private ScheduledFuture<?> pendingSend;

    Connection(LoadRun run, EventLoop loop, Bootstrap template, SocketAddress address) {
        this.run = run;
        this.loop = loop;
        this.bootstrap = template.clone(loop).handler(LoadGenerator.pipeline(this));
        this.address = address;
    }

    EventLoop loop() {
        return loop;
    }

    /** Opens the channel; {@code connected} counts down once it is up or has failed. */
    void connect(CountDownLatch connected) {
        loop.execute(() -> open(connected));
    }

    private void open(CountDownLatch connected) {
        if (finished) {
            if (connected != null) {
                connected.countDown();
            }
            return;
        }
        ChannelFuture future = bootstrap.connect(address);
        channel = future.channel();
        future.addListener(done -> {
            if (connected != null) {
                connected.countDown();
            }
            if (!done.isSuccess()) {
                run.recordConnectError();
                if (!finished) {
                    loop.schedule(() -> open(null), RECONNECT_DELAY_MS, TimeUnit.MILLISECONDS);
                }
            }
        });
    }

    /** Starts sending (event loop). */
    void begin() {
        begun = true;
        if (channel != null && channel.isActive()) {
            next();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (begun && !finished) {
            next();
        }
    }

    private void next() {
        if (finished || inFlight) {
            return;
        }
        long now = System.nanoTime();
        if (intended < 0) {
            long ticket = run.takeTicket(now);
            if (ticket < 0) {
                return;
            }
            intended = ticket;
        }
        if (pendingSend != null) {
            return;
        }
        long delay = intended - now;
        if (delay > 0) {
            pendingSend = loop.schedule(this::send, delay, TimeUnit.NANOSECONDS);
        } else {
            send();
        }
    }

    private void send() {
        pendingSend = null;
        if (finished) {
            return;
        }
        if (channel == null || !channel.isActive()) {
            return; // sent when the channel is up again: channelActive -> next() keeps the ticket
        }
        sentAt = System.nanoTime();
        inFlight = true;
        status = 0;
        channel.writeAndFlush(run.request.retainedDuplicate(), channel.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!inFlight || finished) {
                return;
            }
            if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
                fail(ctx.channel());
                return;
            }
            if (msg instanceof HttpResponse response) {
                status = response.status().code();
                keepAlive = HttpUtil.isKeepAlive(response);
            }
            if (msg instanceof LastHttpContent) {
                long now = System.nanoTime();
                long due = intended;
                inFlight = false;
                intended = -1;
                if (now <= run.deadline()) {
                    run.recordResponse(status, now - due, now);
                } else {
                    run.recordUnfinished(due);
                }
                if (keepAlive) {
                    next();
                } else {
                    ctx.channel().close();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel() != channel) {
            return;
        }
        if (inFlight) {
            fail(ctx.channel());
        }
        if (!finished) {
            open(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (inFlight) {
            fail(ctx.channel());
        }
        ctx.channel().close();
    }

    private void fail(Channel broken) {
        long now = System.nanoTime();
        long due = intended;
        inFlight = false;
        intended = -1;
        if (now <= run.deadline()) {
            run.recordReadError(now);
        } else {
            run.recordUnfinished(due);
        }
        broken.close();
    }

    /** Called by the event loop's sweep: a request out longer than the timeout counts as a timeout. */
    void checkTimeout(long now) {
        if (inFlight && !finished && now - sentAt > run.timeoutNanos) {
            long due = intended;
            inFlight = false;
            intended = -1;
            if (now <= run.deadline()) {
                run.recordTimeout(now - due, now);
            } else {
                run.recordUnfinished(due);
            }
            channel.close(); // channelInactive reconnects
        }
    }

    /**
     * Ends the slot (event loop): a request taken and due but not answered counts as unfinished,
     * with its wait until the deadline; the channel closes.
     */
    void finish() {
        finished = true;
        if (pendingSend != null) {
            pendingSend.cancel(false);
        }
        if (intended >= 0) {
            run.recordUnfinished(intended); // takeTicket hands out only times before the deadline
            intended = -1;
        }
        inFlight = false;
        if (channel != null) {
            channel.close();
        }
    }
}

package dev.spindle.internal.server;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.xnio.channels.StreamSourceChannel;

/**
 * The body of a streaming route, read on demand. A handler thread that reads names the array it
 * wants filled and waits on a condition; the exchange's IO thread reads the request channel
 * without blocking, at most as many bytes as were asked for, copies them into that array and wakes
 * the reader. So only the IO thread ever touches the channel, its conduits and Undertow's pooled
 * buffers, whatever the threading mode; a handler waiting for a slow client parks on a lock rather
 * than in XNIO's selector code (which opens a selector, two file descriptors, per waiting thread);
 * and nothing is read ahead: what the handler has not asked for yet stays in the socket's receive
 * buffer, so an upload in progress costs the process no memory of its own. Each read is a hand-off
 * to the IO thread and back, so a handler should read in large pieces (8 KiB and up, as
 * {@code transferTo} and {@code readAllBytes} do).
 *
 * <p>The first read starts the IO side, so {@code 100 Continue} is still sent only when the handler
 * actually reads. The route's limit is counted here: Undertow 2.4's chunked decoder takes its limit
 * when the request is parsed and ignores one set on the exchange afterwards. {@link #end} (the
 * deadline, or the response being sent) and the end of the exchange (the connection closed) wake a
 * waiting reader with an exception; after {@link #end} the IO side never touches the channel again,
 * so Undertow ends the exchange on its own terms. An interrupted read ends the body for good, as
 * an interrupt closes an NIO channel: bytes may have been read for it.
 *
 * <p><b>Threading:</b> {@link #read} on one thread at a time, never the IO thread, as for any
 * {@code InputStream}; everything else on the exchange's IO thread. The state is guarded by one lock.
 */
final class StreamedBody extends InputStream {

    private final HttpServerExchange exchange;
    private final long limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition filled = lock.newCondition();
    private byte[] target;
    private int targetOffset;
    private int targetLength;
    private int delivered;
    private boolean finished;
    private IOException failure;
    private boolean exchangeEnded;
    private RuntimeException ended;
    /** IO thread only. */
    private StreamSourceChannel channel;
    /** IO thread only. */
    private long received;

    /** The body of {@code exchange}, refused with a 413 past {@code limit} bytes. IO thread. */
    StreamedBody(HttpServerExchange exchange, long limit) {
        this.exchange = exchange;
        this.limit = limit;
        exchange.addExchangeCompleteListener((done, next) -> {
            lock.lock();
            try {
                exchangeEnded = true;
                filled.signalAll();
            } finally {
                lock.unlock();
            }
            next.proceed();
        });
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (exchange.isInIoThread()) { // it would wait for itself
            throw new IllegalStateException("A streamed request body cannot be read on the IO thread that receives it");
        }
        if (length == 0) {
            return 0;
        }
        lock.lock();
        try {
            if (over()) {
                return outcome();
            }
            target = buffer;
            targetOffset = offset;
            targetLength = length;
            delivered = 0;
            exchange.getIoThread().execute(this::fill);
            try {
                while (delivered == 0 && !over()) {
                    filled.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (ended == null && failure == null) {
                    failure = new InterruptedIOException("Interrupted while waiting for the request body");
                }
            } finally {
                target = null;
            }
            return delivered > 0 && ended == null ? delivered : outcome();
        } finally {
            lock.unlock();
        }
    }

    /** Whether no read can get bytes any more. Holds the lock. */
    private boolean over() {
        return ended != null || failure != null || finished || exchangeEnded;
    }

    /** What a read gets once the body is over: the reason it ended, or -1 at its end. Holds the lock. */
    private int outcome() throws IOException {
        if (ended != null) {
            throw ended;
        }
        if (failure != null) {
            throw failure;
        }
        if (finished) {
            return -1;
        }
        throw new IOException("The connection closed before the request body was read");
    }

    /**
     * Stops receiving: every read from now on, and one waiting now, throws {@code reason}. Returns
     * whether part of the body may still be unread on the connection, so the caller can close it
     * rather than let Undertow drain it. IO thread.
     */
    boolean end(RuntimeException reason) {
        lock.lock();
        try {
            if (ended == null) {
                ended = reason;
                filled.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (channel != null) {
            channel.getReadSetter().set(null);
            channel.suspendReads();
            channel = null;
        }
        return !exchange.isRequestComplete();
    }

    /** Reads into the waiting reader's array, if a reader waits; the first call takes the channel. IO thread. */
    private void fill() {
        int wanted = 0;
        boolean live;
        lock.lock();
        try {
            live = ended == null && !exchangeEnded;
            if (!over() && target != null && delivered == 0) {
                wanted = targetLength;
            }
        } finally {
            lock.unlock();
        }
        if (wanted == 0) {
            if (live && channel != null) {
                channel.suspendReads(); // nobody is asking: leave the rest in the socket
            }
            return;
        }
        if (channel == null) {
            channel = exchange.getRequestChannel();
            if (channel == null) {
                fail(new IOException("The request body was already taken"));
                return;
            }
            channel.getReadSetter().set(readable -> fill());
        }
        try (PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate()) {
            ByteBuffer buffer = pooled.getBuffer();
            buffer.limit(Math.min(buffer.capacity(), wanted));
            int read = channel.read(buffer);
            if (read == 0) {
                channel.resumeReads(); // the read listener calls again when bytes arrive
                return;
            }
            channel.suspendReads(); // nobody else is asking
            if (read < 0) {
                finish();
                return;
            }
            received += read;
            if (received > limit) {
                exchange.setPersistent(false);
                fail(new RequestTooBigException("The request body exceeds " + limit + " bytes"));
                return;
            }
            deliver(buffer.flip());
        } catch (IOException | RuntimeException e) {
            // Undertow's chunk decoder throws IllegalArgumentException for a trailer name that is not a token
            exchange.setPersistent(false); // the connection's framing can no longer be trusted
            channel.suspendReads();
            fail(e instanceof IOException io ? io : new IOException("The request body is malformed", e));
        }
    }

    /** Copies what was read into the reader's array and wakes it; dropped if the body ended meanwhile. IO thread. */
    private void deliver(ByteBuffer data) {
        lock.lock();
        try {
            if (target != null && !over()) {
                delivered = data.remaining();
                data.get(target, targetOffset, delivered);
                filled.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void finish() {
        lock.lock();
        try {
            finished = true;
            filled.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Undertow may already have closed the connection (and so ended the exchange): the cause still wins. */
    private void fail(IOException cause) {
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
                filled.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }
}

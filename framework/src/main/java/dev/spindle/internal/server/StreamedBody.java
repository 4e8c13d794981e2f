package dev.spindle.internal.server;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.xnio.channels.StreamSourceChannel;

/**
 * The body of a streaming route as it arrives. The exchange's IO thread reads the request channel
 * without blocking and queues copies of what it read; the handler thread takes them from the queue,
 * waiting on a condition while it is empty. So only the IO thread ever touches the channel, its
 * conduits and Undertow's pooled buffers, whatever the threading mode, and a handler thread waiting
 * for a slow client parks on a lock rather than in XNIO's selector code (which would open a
 * selector per thread). At most {@link #MAX_QUEUED} reads wait in the queue: past that the IO
 * thread stops reading until the handler catches up, so a fast client cannot fill memory ahead of
 * a slow handler. The route's limit is counted here too: Undertow 2.4's chunked decoder takes its
 * limit when the request is parsed and ignores one set on the exchange afterwards, which would
 * leave a chunked body on a streaming route unlimited.
 *
 * <p>The first read starts the IO side, so {@code 100 Continue} is still sent only when the handler
 * actually reads. {@link #end} (the deadline, or the response being sent) and the end of the
 * exchange (the connection closed) wake a waiting reader with an exception; after {@link #end} the
 * IO side never touches the channel again, so Undertow can end the exchange on its own terms.
 *
 * <p><b>Threading:</b> {@link #read} on any one thread but the IO thread at a time, as for any
 * {@code InputStream}; everything else on the exchange's IO thread. The queue and the state are
 * guarded by one lock.
 */
final class StreamedBody extends InputStream {

    /** Reads (each at most one pooled buffer, 16 KiB) queued ahead of the handler before reading pauses. */
    static final int MAX_QUEUED = 4;

    private final HttpServerExchange exchange;
    private final long limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<byte[]> queued = new ArrayDeque<>(MAX_QUEUED);
    private byte[] current;
    private int position;
    private boolean started;
    private boolean paused;
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
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
            next.proceed();
        });
    }

    @Override
    public int read() throws IOException {
        notOnIoThread();
        lock.lock();
        try {
            if (!awaitBytes()) {
                return -1;
            }
            int next = current[position++] & 0xff;
            if (position == current.length) {
                current = null;
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        notOnIoThread();
        if (length == 0) {
            return 0;
        }
        lock.lock();
        try {
            if (!awaitBytes()) {
                return -1;
            }
            int copied = Math.min(length, current.length - position);
            System.arraycopy(current, position, buffer, offset, copied);
            position += copied;
            if (position == current.length) {
                current = null;
            }
            return copied;
        } finally {
            lock.unlock();
        }
    }

    /** Waiting there for the IO thread to read would wait forever. */
    private void notOnIoThread() {
        if (exchange.isInIoThread()) {
            throw new IllegalStateException("A streamed request body cannot be read on the IO thread that receives it");
        }
    }

    /** Waits until {@link #current} holds unread bytes; {@code false} at the end of the body. Holds the lock. */
    private boolean awaitBytes() throws IOException {
        if (!started) {
            started = true;
            exchange.getIoThread().execute(this::start);
        }
        while (true) {
            if (ended != null) {
                throw ended;
            }
            if (current != null) {
                return true;
            }
            current = queued.poll();
            if (current != null) {
                position = 0;
                if (paused && queued.size() <= MAX_QUEUED / 2) {
                    paused = false;
                    exchange.getIoThread().execute(this::pump);
                }
                return true;
            }
            if (failure != null) {
                throw failure;
            }
            if (finished) {
                return false;
            }
            if (exchangeEnded) {
                throw new IOException("The connection closed before the request body was read");
            }
            try {
                arrived.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (ended != null) {
                    throw ended;
                }
                throw new InterruptedIOException("Interrupted while waiting for the request body");
            }
        }
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
                queued.clear();
                current = null;
                arrived.signalAll();
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

    /** The first read: take the request channel and read what is there. IO thread. */
    private void start() {
        if (isEnded()) {
            return;
        }
        channel = exchange.getRequestChannel();
        if (channel == null) {
            fail(new IOException("The request body was already taken"));
            return;
        }
        channel.getReadSetter().set(readable -> pump());
        pump();
    }

    /** Reads until the channel has nothing more for now, the queue is full, or the body ended. IO thread. */
    private void pump() {
        while (channel != null) {
            lock.lock();
            try {
                if (ended != null || finished || failure != null) {
                    return;
                }
                if (queued.size() >= MAX_QUEUED) {
                    paused = true;
                    channel.suspendReads();
                    return;
                }
            } finally {
                lock.unlock();
            }
            int read;
            byte[] data = null;
            try (PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate()) {
                ByteBuffer buffer = pooled.getBuffer();
                read = channel.read(buffer);
                if (read > 0) {
                    buffer.flip();
                    data = new byte[read];
                    buffer.get(data);
                }
            } catch (IOException e) {
                exchange.setPersistent(false); // the connection's framing can no longer be trusted
                channel.suspendReads();
                fail(e);
                return;
            }
            if (read == 0) {
                channel.resumeReads();
                return;
            }
            if (read > 0 && (received += read) > limit) {
                exchange.setPersistent(false);
                channel.suspendReads();
                fail(new RequestTooBigException("The request body exceeds " + limit + " bytes"));
                return;
            }
            lock.lock();
            try {
                if (read < 0) {
                    finished = true;
                } else {
                    queued.add(data);
                }
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
            if (read < 0) {
                channel.suspendReads();
                return;
            }
        }
    }

    /** Undertow may already have closed the connection (and so ended the exchange): the cause still wins. */
    private void fail(IOException cause) {
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
                arrived.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean isEnded() {
        lock.lock();
        try {
            return ended != null;
        } finally {
            lock.unlock();
        }
    }
}

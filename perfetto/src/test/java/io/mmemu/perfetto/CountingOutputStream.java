package io.mmemu.perfetto;

import java.io.IOException;
import java.io.OutputStream;

/** Counts the bytes written through it, passing them on to a delegate (or dropping them). */
final class CountingOutputStream extends OutputStream {
    private final OutputStream delegate;
    long count;

    CountingOutputStream() {
        this(OutputStream.nullOutputStream());
    }

    CountingOutputStream(OutputStream delegate) {
        this.delegate = delegate;
    }

    @Override
    public void write(int b) throws IOException {
        delegate.write(b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        delegate.write(b, off, len);
        count += len;
    }

    @Override
    public void flush() throws IOException {
        delegate.flush();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}

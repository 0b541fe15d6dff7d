package io.mmemu.emulator.run;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Where a guest run's streams go: the guest's descriptors 0, 1 and 2, and mmemu's own messages.
 *
 * @param stdin  what the guest's descriptor 0 reads
 * @param stdout where the guest's descriptor 1 writes
 * @param stderr where the guest's descriptor 2 writes
 * @param log    where mmemu's own reports go (how the run ended, verbose output, checkers' findings)
 */
public record GuestIo(InputStream stdin, OutputStream stdout, OutputStream stderr, PrintStream log) {
    /**
     * The process's own streams, unbuffered, so that the guest's output interleaves with mmemu's as
     * it would natively; mmemu's messages on {@code log}.
     *
     * @param log where mmemu's own reports go
     * @return the streams
     */
    public static GuestIo standard(PrintStream log) {
        return new GuestIo(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err), log);
    }

    /** {@return whether a run shows its progress: mmemu's messages go to the process's stderr, a terminal} */
    public boolean progress() {
        return log == System.err && RunProgress.stderrIsTerminal();
    }

    /**
     * The same streams with the guest's output going to {@code out} and {@code err} instead.
     *
     * @param out the new stdout
     * @param err the new stderr
     * @return the streams
     */
    public GuestIo withOutput(OutputStream out, OutputStream err) {
        return new GuestIo(stdin, out, err, log);
    }
}

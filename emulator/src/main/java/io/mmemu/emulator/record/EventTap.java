package io.mmemu.emulator.record;

import io.mmemu.emulator.Machine;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.Injection;
import io.mmemu.kernel.Kernel;
import io.mmemu.kernel.RunEvents;
import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.PtRegs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * What a recorder and a replayer share: they see the same events of a run the same way, turned
 * into the same {@link LogRecord}s with the same positions, and take checkpoints the same way.
 * The recorder writes each record; the replayer compares each with the log.
 *
 * <p>Attached before the first exec (so that its ASLR and AT_RANDOM draws are seen): it becomes the
 * kernel's {@link RunEvents} and its fault injector's listener, and starts tracking written frames.
 * Events come from the machine's one thread, some from inside an engine's hook: nothing here throws.
 */
abstract sealed class EventTap implements RunEvents, FaultInjector.Listener permits Recorder, Replayer {
    final Machine machine;
    final Kernel kernel;
    private Checkpoints checkpoints;

    EventTap(Machine machine) {
        this.machine = machine;
        this.kernel = machine.kernel();
    }

    /** Starts seeing the machine's events (before exec). */
    void attach() {
        this.checkpoints = new Checkpoints(machine);
        kernel.setRunEvents(this);
        kernel.faults().setListener(this);
    }

    /** Stops seeing them. */
    void detach() {
        kernel.setRunEvents(null);
        kernel.faults().setListener(null);
        machine.trackWrittenFrames(null);
    }

    /** A record the run just made. */
    abstract void emit(LogRecord r);

    /** Whether a checkpoint is due at kernel entry {@code entry}. */
    abstract boolean checkpointDue(long entry);

    LogRecord.Position pos() {
        return new LogRecord.Position(kernel.kernelEntries(), kernel.instructions(), kernel.currentCpu());
    }

    @Override
    public void aslr(long value) {
        emit(new LogRecord.Aslr(pos(), value));
    }

    @Override
    public void random(int source, byte[] bytes, int len) {
        LogRecord.Position p = pos();
        emit(len <= LogRecord.RandomBytes.INLINE
                ? new LogRecord.RandomBytes(p, source, len, Arrays.copyOf(bytes, len), 0)
                : new LogRecord.RandomBytes(p, source, len, null, Hashes.bytes(bytes, 0, len)));
    }

    @Override
    public void clock(int clock, long nanos) {
        emit(new LogRecord.Clock(pos(), clock, nanos));
    }

    @Override
    public void schedule(int cpu, int pid, int what) {
        emit(new LogRecord.Sched(pos(), cpu, pid, what));
    }

    @Override
    public void wake(int pid) {
        emit(new LogRecord.Wake(pos(), pid));
    }

    @Override
    public void injected(Injection i) {
        emit(new LogRecord.Inject(new LogRecord.Position(i.kernelEntries(), i.instructions(), i.cpu()),
                i.point().linuxName(), i.call(), i.pid(), i.site()));
    }

    @Override
    public void kernelEntry(ArchCpu cpu, PtRegs regs) {
        if (!checkpointDue(kernel.kernelEntries())) return;
        emit(checkpoints.take(pos(), regs == null ? -1 : cpu.id(), regs));
    }

    /** The guest wrote {@code len} bytes to {@code fd} (1 or 2). */
    void output(int fd, byte[] b, int off, int len) {
        emit(new LogRecord.Output(pos(), fd, len, Hashes.bytes(b, off, len)));
    }

    /** The guest read {@code n} bytes of stdin ({@code -1}: end of file). */
    void input(byte[] b, int off, int n) {
        emit(new LogRecord.Input(pos(), n, n <= 0 ? new byte[0] : Arrays.copyOfRange(b, off, off + n)));
    }

    /** The run ended: a last checkpoint (every engine stopped), then the end record. */
    void ended(int status, int signal) {
        LogRecord.Position p = pos();
        emit(checkpoints.take(p, -1, null));
        emit(new LogRecord.End(p, status, signal));
    }

    /**
     * The guest's output streams, told to a tap once there is one (the streams are made before
     * the machine, the tap with it).
     */
    static final class Streams {
        private EventTap tap;

        void to(EventTap t) {
            this.tap = t;
        }

        /** {@code inner} with every read told to the tap as input. */
        InputStream tapInput(InputStream inner) {
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = inner.read(b, off, len);
                    if (tap != null && len > 0) tap.input(b, off, n < 0 ? -1 : n);
                    return n;
                }
            };
        }

        /** {@code inner} with every write told to the tap as output of {@code fd} (1 stdout, 2 stderr). */
        OutputStream tap(int fd, OutputStream inner) {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (len > 0 && tap != null) tap.output(fd, b, off, len);
                    inner.write(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    inner.flush();
                }
            };
        }
    }
}

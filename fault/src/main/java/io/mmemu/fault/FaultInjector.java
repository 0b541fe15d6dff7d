package io.mmemu.fault;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The fault injection of one machine: a {@link FaultAttr} per point, the generator their
 * probabilities draw from, and the record of what was injected. Every point's code asks
 * {@link #shouldFail} at each opportunity; each call is numbered per point, so that a recorded
 * injection is named by (point, call number) and a {@link FaultSchedule} replays exactly those.
 *
 * <p>Determinism: the generator is the run's seed mixed with a constant of its own, so arming a
 * point changes no other random choice of the run (ASLR, AT_RANDOM), and the same seed fails the
 * same calls.
 *
 * <p>Cost when nothing is armed: a point's code checks {@link #armed} (a field read) before it
 * builds anything; {@link #shouldFail} allocates only when a fault is injected.
 */
public final class FaultInjector {
    /** Mixed into the run's seed for the fault-injection generator (the golden ratio, as SplitMix64's increment). */
    private static final long SEED_MIX = 0x9e37_79b9_7f4a_7c15L;

    /** The context of a machine that has none: no task, CPU 0, position unknown. */
    private static final FaultContext NO_CONTEXT = new FaultContext() {
        @Override
        public FaultTask current() {
            return null;
        }

        @Override
        public int cpu() {
            return 0;
        }

        @Override
        public int pid() {
            return 0;
        }

        @Override
        public long instructions() {
            return -1;
        }

        @Override
        public long kernelEntries() {
            return 0;
        }

        @Override
        public String describe() {
            return "CPU: 0 PID: 0 Comm: swapper/0";
        }
    };

    /** Told of each injection, as it happens (the recorder). */
    @FunctionalInterface
    public interface Listener {
        /**
         * A fault was injected.
         *
         * @param injection what, where and when
         */
        void injected(Injection injection);
    }

    private final Map<FaultPoint, FaultAttr> attrs = new EnumMap<>(FaultPoint.class);
    private final long[] calls = new long[FaultPoint.values().length];
    private final SplittableRandom random;
    private final List<Injection> injected = new ArrayList<>();
    private FaultContext context = NO_CONTEXT;
    private FaultSchedule schedule;
    private Listener listener;
    private PrintStream log;

    /**
     * Fault injection with every point at Linux's defaults (probability 0: nothing fails).
     *
     * @param seed the run's seed
     */
    public FaultInjector(long seed) {
        for (FaultPoint p : FaultPoint.values()) attrs.put(p, new FaultAttr(p));
        this.random = new SplittableRandom(seed ^ SEED_MIX);
    }

    /**
     * A point's attributes, to read or change (the debugfs files and {@code --fail} do).
     *
     * @param point the point
     * @return its attributes, the same object for the injector's life
     */
    public FaultAttr attr(FaultPoint point) {
        return attrs.get(point);
    }

    /**
     * Sets where injections happen (the kernel's current task, CPU and position).
     *
     * @param context the machine's context
     */
    public void setContext(FaultContext context) {
        this.context = context;
    }

    /**
     * Sets who is told of each injection.
     *
     * @param listener the listener, or null for none
     */
    public void setListener(Listener listener) {
        this.listener = listener;
    }

    /**
     * Sets where verbose reports go (fail_dump()'s printk).
     *
     * @param log the stream, or null to print nothing
     */
    public void setLog(PrintStream log) {
        this.log = log;
    }

    /**
     * Replays {@code schedule}: from now on exactly its calls fail, whatever the attributes say.
     *
     * @param schedule the faults to inject
     */
    public void replay(FaultSchedule schedule) {
        this.schedule = schedule;
    }

    /** {@return whether this run replays a schedule} */
    public boolean replaying() {
        return schedule != null;
    }

    /**
     * Whether {@code point} can fail at all now, for code that would otherwise do work to ask: its
     * probability is positive or (for Linux's points) the current task counts fail-nth down.
     * Calls are numbered only while a point is armed, so a replay arms points exactly when the
     * recorded run did (the --fail specs, and what the guest writes to debugfs and fail-nth, are
     * the same) whatever its schedule holds: a guest that arms a point halfway numbers its calls
     * from there in both.
     *
     * @param point the point
     * @return false when {@link #shouldFail} would certainly say no without counting anything
     */
    public boolean armed(FaultPoint point) {
        return attrs.get(point).probability() > 0 || failNthPending(point);
    }

    private boolean failNthPending(FaultPoint point) {
        if (!point.honoursFailNth()) return false;
        FaultTask t = context.current();
        return t != null && t.failNth() != 0;
    }

    /**
     * Models should_fail(): whether this call of {@code point} fails. The call is numbered, the
     * decision made (by the attributes, or by the replayed schedule), and a failure recorded,
     * reported as fail_dump() does at the point's verbosity and given to the listener.
     *
     * @param point the point reached
     * @param size  the bytes asked for (for space; 0 when the point has no size)
     * @param site  what would fail, in the point's words, for the record and the report
     * @return whether the call fails
     */
    public boolean shouldFail(FaultPoint point, long size, String site) {
        long call = ++calls[point.ordinal()];
        FaultAttr attr = attrs.get(point);
        FaultTask task = context.current();
        boolean fail;
        if (schedule != null) {
            fail = schedule.fails(point, call);
            attr.replayed(task, fail);
        } else {
            fail = attr.shouldFail(task, size, random);
        }
        if (!fail) return false;
        Injection inj = new Injection(point, call, context.cpu(), context.pid(), context.instructions(),
                context.kernelEntries(), site);
        injected.add(inj);
        if (log != null && attr.verbose() > 0) dump(attr, inj);
        if (listener != null) listener.injected(inj);
        return true;
    }

    /** fail_dump(): the attributes, and at verbose 2 the task and the model's call chain (dump_stack()). */
    private void dump(FaultAttr attr, Injection inj) {
        StringBuilder b = new StringBuilder(attr.dumpHeader()).append('\n');
        if (attr.verbose() > 1) {
            b.append(context.describe()).append('\n').append("Call Trace:\n");
            StackWalker.getInstance().forEach(f -> {
                if (f.getClassName().startsWith("io.mmemu.") && !f.getClassName().equals(FaultInjector.class.getName())) {
                    String cls = f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1);
                    b.append(" ").append(cls).append('.').append(f.getMethodName()).append('\n');
                }
            });
        }
        b.append("mmemu: injected ").append(point(inj)).append('\n');
        log.print(b);
        log.flush();
    }

    private static String point(Injection inj) {
        return inj.point().linuxName() + " call " + inj.call() + " (" + inj.site() + ") on CPU " + inj.cpu()
                + (inj.pid() == 0 ? "" : " pid " + inj.pid());
    }

    /**
     * How many times {@code point} was reached in this run.
     *
     * @param point the point
     * @return its calls so far
     */
    public long calls(FaultPoint point) {
        return calls[point.ordinal()];
    }

    /** {@return every fault injected so far, in order} */
    public List<Injection> injected() {
        return Collections.unmodifiableList(injected);
    }
}

package io.mmemu.emulator.report;

/**
 * The events the report's timeline shows: faults, flushes and shootdowns, per CPU, in the order
 * they were added. It keeps the first {@link #capacity} events and counts the rest as dropped,
 * so that a long run cannot make the report (or the run) grow without bound; the counts per
 * kind include the dropped ones.
 *
 * <p>The run's event stream feeds it; without one it stays empty and the report says so. It
 * stores into preallocated arrays: {@link #add} allocates nothing. It is synchronized because an
 * event source may sit on more than one host thread; it only exists when a report is asked for.
 */
public final class Timeline {
    private final int[] cpu;
    private final long[] time;
    private final TimelineKind[] kind;
    private final long[] address;
    private final String[] label;
    private final long[] perKind = new long[TimelineKind.values().length];
    private int size;
    private long dropped;

    /**
     * An empty timeline.
     *
     * @param capacity the events kept, at least 1
     */
    public Timeline(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1 (got " + capacity + ")");
        cpu = new int[capacity];
        time = new long[capacity];
        kind = new TimelineKind[capacity];
        address = new long[capacity];
        label = new String[capacity];
    }

    /**
     * Records one event, or counts it as dropped once {@link #capacity} are kept.
     *
     * @param cpu     the CPU it happened on
     * @param time    when, in the stream's unit (instructions or the deterministic clock), not decreasing per CPU
     * @param kind    what it was
     * @param address the address it concerns (the fault address, the first page flushed), or 0
     * @param label   a few words for the tooltip (the outcome, the reason, the receivers), or null
     */
    public synchronized void add(int cpu, long time, TimelineKind kind, long address, String label) {
        perKind[kind.ordinal()]++;
        if (size == this.cpu.length) {
            dropped++;
            return;
        }
        this.cpu[size] = cpu;
        this.time[size] = time;
        this.kind[size] = kind;
        this.address[size] = address;
        this.label[size] = label;
        size++;
    }

    /** {@return the most events kept} */
    public int capacity() {
        return cpu.length;
    }

    /** {@return the events kept} */
    public synchronized int size() {
        return size;
    }

    /** {@return the events added after the timeline was full} */
    public synchronized long dropped() {
        return dropped;
    }

    /**
     * Events of one kind added, kept or dropped.
     *
     * @param k a kind
     * @return how many were added
     */
    public synchronized long count(TimelineKind k) {
        return perKind[k.ordinal()];
    }

    /**
     * Event {@code i} as one value.
     *
     * @param i 0 to {@code size() - 1}
     * @return the event
     */
    public synchronized Event event(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("event " + i + " of " + size);
        return new Event(cpu[i], time[i], kind[i], address[i], label[i]);
    }

    /**
     * One event of the timeline.
     *
     * @param cpu     the CPU
     * @param time    when
     * @param kind    what
     * @param address the address, or 0
     * @param label   the tooltip's words, or null
     */
    public record Event(int cpu, long time, TimelineKind kind, long address, String label) {}
}

package io.mmemu.perfetto;

import java.util.Arrays;
import java.util.Objects;

/**
 * An event's arguments, written as Perfetto debug annotations (shown in the UI's "Arguments"
 * panel of the selected event). A reusable builder: the caller keeps one per thread, calls
 * {@link #clear()} before each event and adds the values; after warm-up it allocates nothing.
 * Argument names are interned by the writer; so are {@link #label} values, meant for strings
 * from a small set (a fault's outcome, a flush's reason, a cache's name).
 *
 * <pre>{@code
 * args.clear().pointer("address", addr).integer("error_code", 6).label("outcome", "cow_copy");
 * writer.instant(cpuTrack, ts, "fault", "page_fault", args);
 * }</pre>
 */
public final class Args {
    /** Kinds of value, each written as one field of DebugAnnotation's value oneof. */
    static final byte INT = 0, UINT = 1, POINTER = 2, STRING = 3, LABEL = 4, BOOL = 5, DOUBLE = 6;

    private String[] names = new String[8];
    private byte[] kinds = new byte[8];
    private long[] longs = new long[8];
    private String[] strings = new String[8];
    private int size;

    /** An empty argument list. */
    public Args() {}

    /**
     * Removes every argument, keeping the storage for the next event.
     *
     * @return this
     */
    public Args clear() {
        Arrays.fill(strings, 0, size, null);
        size = 0;
        return this;
    }

    /**
     * Adds a signed integer (DebugAnnotation.int_value).
     *
     * @param name the argument's name
     * @param value its value
     * @return this
     */
    public Args integer(String name, long value) {
        return add(name, INT, value, null);
    }

    /**
     * Adds an unsigned 64-bit integer (DebugAnnotation.uint_value).
     *
     * @param name the argument's name
     * @param value its value, read as unsigned
     * @return this
     */
    public Args unsigned(String name, long value) {
        return add(name, UINT, value, null);
    }

    /**
     * Adds an address (DebugAnnotation.pointer_value), which Perfetto shows in hexadecimal.
     *
     * @param name the argument's name
     * @param address the address, read as unsigned
     * @return this
     */
    public Args pointer(String name, long address) {
        return add(name, POINTER, address, null);
    }

    /**
     * Adds a string written in full in each event (DebugAnnotation.string_value): for values
     * that seldom repeat.
     *
     * @param name the argument's name
     * @param value its value
     * @return this
     */
    public Args string(String name, String value) {
        return add(name, STRING, 0, Objects.requireNonNull(value, "value"));
    }

    /**
     * Adds a string from a small set, interned (DebugAnnotation.string_value_iid): written once
     * per trace (or per interning reset), then as a number. Every distinct value stays in the
     * writer's interning table, so an unbounded set of values belongs in {@link #string}.
     *
     * @param name the argument's name
     * @param value its value
     * @return this
     */
    public Args label(String name, String value) {
        return add(name, LABEL, 0, Objects.requireNonNull(value, "value"));
    }

    /**
     * Adds a boolean (DebugAnnotation.bool_value).
     *
     * @param name the argument's name
     * @param value its value
     * @return this
     */
    public Args bool(String name, boolean value) {
        return add(name, BOOL, value ? 1 : 0, null);
    }

    /**
     * Adds a floating-point number (DebugAnnotation.double_value).
     *
     * @param name the argument's name
     * @param value its value
     * @return this
     */
    public Args real(String name, double value) {
        return add(name, DOUBLE, Double.doubleToRawLongBits(value), null);
    }

    /**
     * The number of arguments added since the last {@link #clear()}.
     *
     * @return the count
     */
    public int size() {
        return size;
    }

    String name(int i) {
        return names[i];
    }

    byte kind(int i) {
        return kinds[i];
    }

    long longValue(int i) {
        return longs[i];
    }

    String stringValue(int i) {
        return strings[i];
    }

    private Args add(String name, byte kind, long value, String string) {
        Objects.requireNonNull(name, "name");
        if (size == names.length) {
            int n = size * 2;
            names = Arrays.copyOf(names, n);
            kinds = Arrays.copyOf(kinds, n);
            longs = Arrays.copyOf(longs, n);
            strings = Arrays.copyOf(strings, n);
        }
        names[size] = name;
        kinds[size] = kind;
        longs[size] = value;
        strings[size] = string;
        size++;
        return this;
    }
}

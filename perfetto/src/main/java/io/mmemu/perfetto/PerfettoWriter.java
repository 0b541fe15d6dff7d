package io.mmemu.perfetto;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Objects;
import perfetto.protos.CounterDescriptorOuterClass.CounterDescriptor;
import perfetto.protos.DebugAnnotationOuterClass.DebugAnnotation;
import perfetto.protos.InternedDataOuterClass.InternedData;
import perfetto.protos.ProcessDescriptorOuterClass.ProcessDescriptor;
import perfetto.protos.ThreadDescriptorOuterClass.ThreadDescriptor;
import perfetto.protos.TraceOuterClass.Trace;
import perfetto.protos.TracePacketOuterClass.TracePacket;
import perfetto.protos.TrackDescriptorOuterClass.TrackDescriptor;
import perfetto.protos.TrackEventOuterClass.EventName;
import perfetto.protos.TrackEventOuterClass.TrackEvent;

/**
 * Streams a Perfetto trace (the protobuf {@code Trace} message of Perfetto's
 * protos/perfetto/trace/trace.proto) to an OutputStream, one {@code TracePacket} at a time, so
 * that a trace of any length never sits in memory. The file opens in ui.perfetto.dev as is.
 *
 * <p><b>Format.</b> Each packet is written as one element of {@code Trace}'s repeated field 1
 * (tag, length, the TracePacket's bytes), so the file as a whole is a valid {@code Trace}. All
 * packets belong to one packet sequence ({@link #SEQUENCE_ID}). Tracks are declared by
 * TrackDescriptor packets (written with protobuf-java's generated builders, once per track);
 * events are TrackEvent packets, encoded field by field straight into the output buffer with
 * protobuf-java's CodedOutputStream (sizes first, then bytes), which allocates nothing per event.
 * Field numbers come from the generated classes, so they are those of the .proto files.
 *
 * <p><b>Interning.</b> Event names, categories, argument names and {@link Args#label label}
 * values are interned in the sequence's incremental state: the first packet that uses a string
 * carries it in its InternedData with a new iid, later packets carry only the iid. The first
 * packet sets SEQ_INCREMENTAL_STATE_CLEARED, event packets set SEQ_NEEDS_INCREMENTAL_STATE. When
 * the tables together hold more than the interning limit, the writer clears them and the next
 * event packet sets SEQ_INCREMENTAL_STATE_CLEARED again, so the tables stay bounded whatever the
 * caller passes. The writer keeps no other state per event.
 *
 * <p><b>Timestamps</b> are nanoseconds (the emulated clock), passed by the caller; they must not
 * decrease from one call to the next on the same writer (Perfetto sorts events anyway, but a
 * slice's end must not come before its begin, and a writer fed in order is a writer whose
 * caller has one clock). A decreasing timestamp is refused with an IllegalArgumentException.
 *
 * <p><b>Tracks.</b> {@code processTrack}, {@code threadTrack}, {@code cpuTrack} and
 * {@code counterTrack} return the track's uuid, derived from what the track is (pid, tid, CPU
 * number, counter name), never random; calling one again with the same identity returns the same
 * uuid (and rewrites the descriptor only when the name changed). Set-up calls: keep the uuid
 * rather than asking for it per event. The trace's name titles a root track that holds the CPU
 * tracks and the global counters.
 *
 * <p>Not thread-safe: callers that write from several threads serialize their calls. Output
 * errors surface as UncheckedIOException.
 */
public final class PerfettoWriter implements Closeable {
    /** The trusted_packet_sequence_id of every packet this writer writes. */
    public static final int SEQUENCE_ID = 1;
    /** Interned strings (all tables together) above which the incremental state is cleared. */
    public static final int DEFAULT_INTERN_LIMIT = 1 << 16;
    /** The output buffer (CodedOutputStream's), the most the writer holds of the trace. */
    static final int BUFFER_SIZE = 1 << 16;

    private static final int SEQ_INCREMENTAL_STATE_CLEARED =
            TracePacket.SequenceFlags.SEQ_INCREMENTAL_STATE_CLEARED_VALUE;
    private static final int SEQ_NEEDS_INCREMENTAL_STATE =
            TracePacket.SequenceFlags.SEQ_NEEDS_INCREMENTAL_STATE_VALUE;
    /** The rank given to counters under the root track, after the CPU tracks (rank = CPU). */
    private static final int ROOT_COUNTER_RANK = 1 << 20;

    private final OutputStream sink;
    private final CodedOutputStream out;
    private final int internLimit;
    private final InternTable categories = new InternTable();
    private final InternTable names = new InternTable();
    private final InternTable argNames = new InternTable();
    private final InternTable labels = new InternTable();
    /** uuid -> what the track is ("process 12"), to catch two tracks meeting at one uuid. */
    private final HashMap<Long, String> trackIdentities = new HashMap<>();
    /** uuid -> the name its descriptor last gave it. */
    private final HashMap<Long, String> trackNames = new HashMap<>();
    private final long rootTrack;
    private int rootCounters;
    private boolean clearOnNextEvent;
    private long lastTimestamp;
    private long bytesWritten;
    private long packetsWritten;
    private boolean closed;

    // Per-event scratch: the arguments' iids and encoded sizes (grown, never shrunk).
    private long[] argNameIids = new long[8];
    private long[] argValueIids = new long[8];
    private int[] argSizes = new int[8];

    /**
     * A writer with the default interning limit.
     *
     * @param out where the trace goes; buffered here, closed by {@link #close()}
     * @param traceName the name of the trace's root track (e.g. the program traced)
     */
    public PerfettoWriter(OutputStream out, String traceName) {
        this(out, traceName, DEFAULT_INTERN_LIMIT);
    }

    /**
     * A writer that clears its interning tables whenever they hold more than
     * {@code internLimit} strings.
     *
     * @param out where the trace goes; buffered here, closed by {@link #close()}
     * @param traceName the name of the trace's root track (e.g. the program traced)
     * @param internLimit the most interned strings kept (at least 1)
     */
    public PerfettoWriter(OutputStream out, String traceName, int internLimit) {
        this.sink = Objects.requireNonNull(out, "out");
        Objects.requireNonNull(traceName, "traceName");
        if (internLimit < 1) {
            throw new IllegalArgumentException("internLimit must be positive (got " + internLimit + ")");
        }
        this.out = CodedOutputStream.newInstance(out, BUFFER_SIZE);
        this.internLimit = internLimit;
        this.rootTrack = TrackUuids.root();
        declare(rootTrack, "root", traceName);
        // The sequence's first packet: clears (starts) its incremental state.
        writePacket(TracePacket.newBuilder()
                .setTrackDescriptor(TrackDescriptor.newBuilder()
                        .setUuid(rootTrack)
                        .setName(traceName)
                        .setChildOrdering(TrackDescriptor.ChildTracksOrdering.EXPLICIT))
                .setTrustedPacketSequenceId(SEQUENCE_ID)
                .setSequenceFlags(SEQ_INCREMENTAL_STATE_CLEARED)
                .setFirstPacketOnSequence(true)
                .build());
    }

    /**
     * The root track, titled with the trace's name: the parent of the CPU tracks and of the
     * counters created with parent 0.
     *
     * @return its uuid
     */
    public long rootTrack() {
        return rootTrack;
    }

    /**
     * A process's track (TrackDescriptor.process): Perfetto groups the process's threads and
     * counters under it.
     *
     * @param pid the process id
     * @param name the process's name (comm), or null
     * @return the track's uuid
     */
    public long processTrack(int pid, String name) {
        long uuid = TrackUuids.process(pid);
        if (declare(uuid, "process " + pid, name)) {
            ProcessDescriptor.Builder process = ProcessDescriptor.newBuilder().setPid(pid);
            if (name != null) {
                process.setProcessName(name);
            }
            writeDescriptor(TrackDescriptor.newBuilder().setUuid(uuid).setProcess(process));
        }
        return uuid;
    }

    /**
     * A thread's track (TrackDescriptor.thread), shown under its process's.
     *
     * @param pid the thread group id
     * @param tid the thread id
     * @param name the thread's name, or null
     * @return the track's uuid
     */
    public long threadTrack(int pid, int tid, String name) {
        long uuid = TrackUuids.thread(pid, tid);
        if (declare(uuid, "thread " + pid + "/" + tid, name)) {
            ThreadDescriptor.Builder thread = ThreadDescriptor.newBuilder().setPid(pid).setTid(tid);
            if (name != null) {
                thread.setThreadName(name);
            }
            writeDescriptor(TrackDescriptor.newBuilder().setUuid(uuid).setThread(thread));
        }
        return uuid;
    }

    /**
     * A CPU's track: a track named "CPU n" under the root track, ordered by CPU number. (It is a
     * track of its own, not Perfetto's scheduling track of the same name, which this trace does
     * not have.)
     *
     * @param cpu the CPU number
     * @return the track's uuid
     */
    public long cpuTrack(int cpu) {
        long uuid = TrackUuids.cpu(cpu);
        String name = "CPU " + cpu;
        if (declare(uuid, name, name)) {
            writeDescriptor(TrackDescriptor.newBuilder()
                    .setUuid(uuid)
                    .setParentUuid(rootTrack)
                    .setName(name)
                    .setSiblingOrderRank(cpu));
        }
        return uuid;
    }

    /**
     * A counter track (TrackDescriptor.counter), for {@link #counter(long, long, long)} values.
     *
     * @param name the counter's name, unique under its parent
     * @param unit "ns", "count" or "bytes" (Perfetto's built-in units), another unit's name
     *     (e.g. "pages", shown as is), or null
     * @param parentTrack the track it belongs to (a process track for a per-process counter),
     *     or 0 for the root track
     * @return the track's uuid
     */
    public long counterTrack(String name, String unit, long parentTrack) {
        Objects.requireNonNull(name, "name");
        long parent = parentTrack == 0 ? rootTrack : parentTrack;
        long uuid = TrackUuids.counter(name, parent);
        if (declare(uuid, "counter " + name + " under " + Long.toUnsignedString(parent), name)) {
            CounterDescriptor.Builder counter = CounterDescriptor.newBuilder();
            if (unit != null) {
                switch (unit) {
                    case "ns" -> counter.setUnit(CounterDescriptor.Unit.UNIT_TIME_NS);
                    case "count" -> counter.setUnit(CounterDescriptor.Unit.UNIT_COUNT);
                    case "bytes" -> counter.setUnit(CounterDescriptor.Unit.UNIT_SIZE_BYTES);
                    default -> counter.setUnitName(unit);
                }
            }
            TrackDescriptor.Builder track = TrackDescriptor.newBuilder()
                    .setUuid(uuid)
                    .setParentUuid(parent)
                    .setName(name)
                    .setCounter(counter);
            if (parent == rootTrack) {
                track.setSiblingOrderRank(ROOT_COUNTER_RANK + rootCounters++);
            }
            writeDescriptor(track);
        }
        return uuid;
    }

    /**
     * An instant event (TrackEvent TYPE_INSTANT).
     *
     * @param track the track's uuid, from one of this writer's track methods
     * @param ts the time in ns, not less than the previous event's
     * @param category the event's category, or null
     * @param name the event's name
     * @param args its arguments, or null
     */
    public void instant(long track, long ts, String category, String name, Args args) {
        instant(track, ts, category, name, args, null, null);
    }

    /**
     * An instant event that starts and ends flows (arrows in the UI). A flow id links the events
     * that carry it in order: the first event listing it in {@code flowIds} starts the arrow, the
     * next event with it in {@code flowIds} or {@code terminatingFlowIds} receives it, and a
     * terminating id ends the flow. One sender linked to n receivers lists n ids; each receiver
     * terminates its own.
     *
     * @param track the track's uuid, from one of this writer's track methods
     * @param ts the time in ns, not less than the previous event's
     * @param category the event's category, or null
     * @param name the event's name
     * @param args its arguments, or null
     * @param flowIds flows this event starts or continues (TrackEvent.flow_ids), or null
     * @param terminatingFlowIds flows this event ends (TrackEvent.terminating_flow_ids), or null
     */
    public void instant(long track, long ts, String category, String name, Args args,
            long[] flowIds, long[] terminatingFlowIds) {
        writeEvent(TrackEvent.Type.TYPE_INSTANT_VALUE, track, ts, category,
                Objects.requireNonNull(name, "name"), args, flowIds, terminatingFlowIds, COUNTER_NONE, 0);
    }

    /**
     * Opens a slice (TrackEvent TYPE_SLICE_BEGIN); slices on one track nest.
     *
     * @param track the track's uuid, from one of this writer's track methods
     * @param ts the time in ns, not less than the previous event's
     * @param category the slice's category, or null
     * @param name the slice's name
     * @param args its arguments, or null
     */
    public void sliceBegin(long track, long ts, String category, String name, Args args) {
        sliceBegin(track, ts, category, name, args, null, null);
    }

    /**
     * Opens a slice that starts or ends flows; see
     * {@link #instant(long, long, String, String, Args, long[], long[])} for flow ids.
     *
     * @param track the track's uuid, from one of this writer's track methods
     * @param ts the time in ns, not less than the previous event's
     * @param category the slice's category, or null
     * @param name the slice's name
     * @param args its arguments, or null
     * @param flowIds flows this slice starts or continues, or null
     * @param terminatingFlowIds flows this slice ends, or null
     */
    public void sliceBegin(long track, long ts, String category, String name, Args args,
            long[] flowIds, long[] terminatingFlowIds) {
        writeEvent(TrackEvent.Type.TYPE_SLICE_BEGIN_VALUE, track, ts, category,
                Objects.requireNonNull(name, "name"), args, flowIds, terminatingFlowIds, COUNTER_NONE, 0);
    }

    /**
     * Closes the innermost open slice of the track (TrackEvent TYPE_SLICE_END).
     *
     * @param track the track's uuid
     * @param ts the time in ns, not less than the previous event's
     */
    public void sliceEnd(long track, long ts) {
        sliceEnd(track, ts, null);
    }

    /**
     * Closes the innermost open slice of the track with arguments known only at its end (a
     * syscall's result): Perfetto adds them to the slice's own.
     *
     * @param track the track's uuid
     * @param ts the time in ns, not less than the previous event's
     * @param args the arguments, or null
     */
    public void sliceEnd(long track, long ts, Args args) {
        writeEvent(TrackEvent.Type.TYPE_SLICE_END_VALUE, track, ts, null, null, args, null, null, COUNTER_NONE, 0);
    }

    /**
     * A counter's value from this time on (TrackEvent TYPE_COUNTER, counter_value).
     *
     * @param track the counter track's uuid, from {@link #counterTrack}
     * @param ts the time in ns, not less than the previous event's
     * @param value the value
     */
    public void counter(long track, long ts, long value) {
        writeEvent(TrackEvent.Type.TYPE_COUNTER_VALUE, track, ts, null, null, null, null, null, COUNTER_LONG, value);
    }

    /**
     * A counter's value from this time on (TrackEvent TYPE_COUNTER, double_counter_value).
     *
     * @param track the counter track's uuid, from {@link #counterTrack}
     * @param ts the time in ns, not less than the previous event's
     * @param value the value
     */
    public void counter(long track, long ts, double value) {
        writeEvent(TrackEvent.Type.TYPE_COUNTER_VALUE, track, ts, null, null, null, null, null,
                COUNTER_DOUBLE, Double.doubleToRawLongBits(value));
    }

    /**
     * Bytes of trace written so far (buffered or not).
     *
     * @return the count
     */
    public long bytesWritten() {
        return bytesWritten;
    }

    /**
     * Packets written so far (track descriptors and events).
     *
     * @return the count
     */
    public long packetsWritten() {
        return packetsWritten;
    }

    /**
     * Strings held in the interning tables now: the writer's only memory that grows with the
     * trace, bounded by the interning limit (plus one event's strings).
     *
     * @return the count
     */
    public int internedStrings() {
        return categories.size() + names.size() + argNames.size() + labels.size();
    }

    /** Writes the buffered packets to the output stream and flushes it. */
    public void flush() {
        try {
            out.flush();
            sink.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flushes and closes the output stream; the trace is complete. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.flush();
            sink.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- Tracks ------------------------------------------------------------------------------

    /** Records the track; true if its descriptor must be written (new, or renamed). */
    private boolean declare(long uuid, String identity, String name) {
        String known = trackIdentities.putIfAbsent(uuid, identity);
        if (known != null && !known.equals(identity)) {
            throw new IllegalStateException("track uuid " + Long.toUnsignedString(uuid)
                    + " derived for both '" + known + "' and '" + identity + "'");
        }
        if (known != null && Objects.equals(trackNames.get(uuid), name)) {
            return false;
        }
        trackNames.put(uuid, name);
        return true;
    }

    private void writeDescriptor(TrackDescriptor.Builder track) {
        writePacket(TracePacket.newBuilder()
                .setTrackDescriptor(track)
                .setTrustedPacketSequenceId(SEQUENCE_ID)
                .build());
    }

    private void writePacket(TracePacket packet) {
        checkOpen();
        try {
            int size = packet.getSerializedSize();
            out.writeMessage(Trace.PACKET_FIELD_NUMBER, packet);
            bytesWritten += CodedOutputStream.computeTagSize(Trace.PACKET_FIELD_NUMBER)
                    + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
            packetsWritten++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- Events ------------------------------------------------------------------------------

    private static final int COUNTER_NONE = 0, COUNTER_LONG = 1, COUNTER_DOUBLE = 2;

    // Field numbers, from the classes generated from Perfetto's .proto files.
    private static final int TP_TIMESTAMP = TracePacket.TIMESTAMP_FIELD_NUMBER;
    private static final int TP_TRACK_EVENT = TracePacket.TRACK_EVENT_FIELD_NUMBER;
    private static final int TP_INTERNED_DATA = TracePacket.INTERNED_DATA_FIELD_NUMBER;
    private static final int TP_SEQUENCE_ID = TracePacket.TRUSTED_PACKET_SEQUENCE_ID_FIELD_NUMBER;
    private static final int TP_SEQUENCE_FLAGS = TracePacket.SEQUENCE_FLAGS_FIELD_NUMBER;
    private static final int TE_CATEGORY_IIDS = TrackEvent.CATEGORY_IIDS_FIELD_NUMBER;
    private static final int TE_NAME_IID = TrackEvent.NAME_IID_FIELD_NUMBER;
    private static final int TE_TYPE = TrackEvent.TYPE_FIELD_NUMBER;
    private static final int TE_TRACK_UUID = TrackEvent.TRACK_UUID_FIELD_NUMBER;
    private static final int TE_COUNTER_VALUE = TrackEvent.COUNTER_VALUE_FIELD_NUMBER;
    private static final int TE_DOUBLE_COUNTER_VALUE = TrackEvent.DOUBLE_COUNTER_VALUE_FIELD_NUMBER;
    private static final int TE_FLOW_IDS = TrackEvent.FLOW_IDS_FIELD_NUMBER;
    private static final int TE_TERMINATING_FLOW_IDS = TrackEvent.TERMINATING_FLOW_IDS_FIELD_NUMBER;
    private static final int TE_DEBUG_ANNOTATIONS = TrackEvent.DEBUG_ANNOTATIONS_FIELD_NUMBER;
    private static final int DA_NAME_IID = DebugAnnotation.NAME_IID_FIELD_NUMBER;
    private static final int ID_EVENT_CATEGORIES = InternedData.EVENT_CATEGORIES_FIELD_NUMBER;
    private static final int ID_EVENT_NAMES = InternedData.EVENT_NAMES_FIELD_NUMBER;
    private static final int ID_ANNOTATION_NAMES = InternedData.DEBUG_ANNOTATION_NAMES_FIELD_NUMBER;
    private static final int ID_ANNOTATION_STRINGS = InternedData.DEBUG_ANNOTATION_STRING_VALUES_FIELD_NUMBER;
    /** EventCategory, EventName, DebugAnnotationName and InternedString all are {iid = 1; name = 2}. */
    private static final int INTERNED_IID = EventName.IID_FIELD_NUMBER;
    private static final int INTERNED_NAME = EventName.NAME_FIELD_NUMBER;
    private static final int FLOW_ID_SIZE = CodedOutputStream.computeFixed64Size(TE_FLOW_IDS, 0);
    private static final int TERMINATING_FLOW_ID_SIZE = CodedOutputStream.computeFixed64Size(TE_TERMINATING_FLOW_IDS, 0);

    /**
     * Writes one TrackEvent packet: interns its strings, computes each nested message's size,
     * then writes tag by tag into the buffer (a nested message's length precedes its bytes).
     */
    private void writeEvent(int type, long track, long ts, String category, String name, Args args,
            long[] flowIds, long[] terminatingFlowIds, int counterKind, long counterBits) {
        checkOpen();
        if (ts < lastTimestamp) {
            throw new IllegalArgumentException("timestamps must not decrease (expected: >= "
                    + lastTimestamp + " ns, got " + ts + " ns)");
        }
        if (track == 0) {
            throw new IllegalArgumentException("track must be a uuid from this writer (got 0)");
        }
        lastTimestamp = ts;
        if (internedStrings() > internLimit) {
            categories.reset();
            names.reset();
            argNames.reset();
            labels.reset();
            clearOnNextEvent = true;
        }
        long categoryIid = category == null ? 0 : categories.intern(category);
        long nameIid = name == null ? 0 : names.intern(name);
        int argCount = args == null ? 0 : args.size();
        int eventSize = 0;
        if (argCount > 0) {
            eventSize = internArgs(args, argCount);
        }
        if (categoryIid != 0) {
            eventSize += CodedOutputStream.computeUInt64Size(TE_CATEGORY_IIDS, categoryIid);
        }
        if (nameIid != 0) {
            eventSize += CodedOutputStream.computeUInt64Size(TE_NAME_IID, nameIid);
        }
        eventSize += CodedOutputStream.computeEnumSize(TE_TYPE, type)
                + CodedOutputStream.computeUInt64Size(TE_TRACK_UUID, track);
        if (counterKind == COUNTER_LONG) {
            eventSize += CodedOutputStream.computeInt64Size(TE_COUNTER_VALUE, counterBits);
        } else if (counterKind == COUNTER_DOUBLE) {
            eventSize += CodedOutputStream.computeDoubleSize(TE_DOUBLE_COUNTER_VALUE, 0);
        }
        if (flowIds != null) {
            eventSize += flowIds.length * FLOW_ID_SIZE;
        }
        if (terminatingFlowIds != null) {
            eventSize += terminatingFlowIds.length * TERMINATING_FLOW_ID_SIZE;
        }
        int internedSize = internedSize(categories, ID_EVENT_CATEGORIES) + internedSize(names, ID_EVENT_NAMES)
                + internedSize(argNames, ID_ANNOTATION_NAMES) + internedSize(labels, ID_ANNOTATION_STRINGS);
        int flags = clearOnNextEvent
                ? SEQ_INCREMENTAL_STATE_CLEARED | SEQ_NEEDS_INCREMENTAL_STATE
                : SEQ_NEEDS_INCREMENTAL_STATE;
        int packetSize = CodedOutputStream.computeUInt64Size(TP_TIMESTAMP, ts)
                + nestedSize(TP_TRACK_EVENT, eventSize)
                + (internedSize > 0 ? nestedSize(TP_INTERNED_DATA, internedSize) : 0)
                + CodedOutputStream.computeUInt32Size(TP_SEQUENCE_ID, SEQUENCE_ID)
                + CodedOutputStream.computeUInt32Size(TP_SEQUENCE_FLAGS, flags);
        try {
            writeLengthDelimited(Trace.PACKET_FIELD_NUMBER, packetSize);
            out.writeUInt64(TP_TIMESTAMP, ts);
            out.writeUInt32(TP_SEQUENCE_ID, SEQUENCE_ID);
            out.writeUInt32(TP_SEQUENCE_FLAGS, flags);
            if (internedSize > 0) {
                writeLengthDelimited(TP_INTERNED_DATA, internedSize);
                writeInterned(categories, ID_EVENT_CATEGORIES);
                writeInterned(names, ID_EVENT_NAMES);
                writeInterned(argNames, ID_ANNOTATION_NAMES);
                writeInterned(labels, ID_ANNOTATION_STRINGS);
            }
            writeLengthDelimited(TP_TRACK_EVENT, eventSize);
            if (categoryIid != 0) {
                out.writeUInt64(TE_CATEGORY_IIDS, categoryIid);
            }
            if (nameIid != 0) {
                out.writeUInt64(TE_NAME_IID, nameIid);
            }
            out.writeEnum(TE_TYPE, type);
            out.writeUInt64(TE_TRACK_UUID, track);
            if (counterKind == COUNTER_LONG) {
                out.writeInt64(TE_COUNTER_VALUE, counterBits);
            } else if (counterKind == COUNTER_DOUBLE) {
                out.writeDouble(TE_DOUBLE_COUNTER_VALUE, Double.longBitsToDouble(counterBits));
            }
            if (flowIds != null) {
                for (long id : flowIds) {
                    out.writeFixed64(TE_FLOW_IDS, id);
                }
            }
            if (terminatingFlowIds != null) {
                for (long id : terminatingFlowIds) {
                    out.writeFixed64(TE_TERMINATING_FLOW_IDS, id);
                }
            }
            for (int i = 0; i < argCount; i++) {
                writeLengthDelimited(TE_DEBUG_ANNOTATIONS, argSizes[i]);
                writeAnnotationValue(args, i);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytesWritten += nestedSize(Trace.PACKET_FIELD_NUMBER, packetSize);
        packetsWritten++;
        clearOnNextEvent = false;
    }

    /** Interns the arguments' names and labels; returns their DebugAnnotations' total size. */
    private int internArgs(Args args, int argCount) {
        if (argSizes.length < argCount) {
            int n = Math.max(argCount, argSizes.length * 2);
            argNameIids = Arrays.copyOf(argNameIids, n);
            argValueIids = Arrays.copyOf(argValueIids, n);
            argSizes = Arrays.copyOf(argSizes, n);
        }
        int total = 0;
        for (int i = 0; i < argCount; i++) {
            argNameIids[i] = argNames.intern(args.name(i));
            argValueIids[i] = args.kind(i) == Args.LABEL ? labels.intern(args.stringValue(i)) : 0;
            int size = CodedOutputStream.computeUInt64Size(DA_NAME_IID, argNameIids[i]) + annotationValueSize(args, i);
            argSizes[i] = size;
            total += nestedSize(TE_DEBUG_ANNOTATIONS, size);
        }
        return total;
    }

    private int annotationValueSize(Args args, int i) {
        long v = args.longValue(i);
        return switch (args.kind(i)) {
            case Args.INT -> CodedOutputStream.computeInt64Size(DebugAnnotation.INT_VALUE_FIELD_NUMBER, v);
            case Args.UINT -> CodedOutputStream.computeUInt64Size(DebugAnnotation.UINT_VALUE_FIELD_NUMBER, v);
            case Args.POINTER -> CodedOutputStream.computeUInt64Size(DebugAnnotation.POINTER_VALUE_FIELD_NUMBER, v);
            case Args.STRING -> CodedOutputStream.computeStringSize(DebugAnnotation.STRING_VALUE_FIELD_NUMBER,
                    args.stringValue(i));
            case Args.LABEL -> CodedOutputStream.computeUInt64Size(DebugAnnotation.STRING_VALUE_IID_FIELD_NUMBER,
                    argValueIids[i]);
            case Args.BOOL -> CodedOutputStream.computeBoolSize(DebugAnnotation.BOOL_VALUE_FIELD_NUMBER, v != 0);
            case Args.DOUBLE -> CodedOutputStream.computeDoubleSize(DebugAnnotation.DOUBLE_VALUE_FIELD_NUMBER, 0);
            default -> throw new IllegalStateException("argument kind " + args.kind(i));
        };
    }

    private void writeAnnotationValue(Args args, int i) throws IOException {
        out.writeUInt64(DA_NAME_IID, argNameIids[i]);
        long v = args.longValue(i);
        switch (args.kind(i)) {
            case Args.INT -> out.writeInt64(DebugAnnotation.INT_VALUE_FIELD_NUMBER, v);
            case Args.UINT -> out.writeUInt64(DebugAnnotation.UINT_VALUE_FIELD_NUMBER, v);
            case Args.POINTER -> out.writeUInt64(DebugAnnotation.POINTER_VALUE_FIELD_NUMBER, v);
            case Args.STRING -> out.writeString(DebugAnnotation.STRING_VALUE_FIELD_NUMBER, args.stringValue(i));
            case Args.LABEL -> out.writeUInt64(DebugAnnotation.STRING_VALUE_IID_FIELD_NUMBER, argValueIids[i]);
            case Args.BOOL -> out.writeBool(DebugAnnotation.BOOL_VALUE_FIELD_NUMBER, v != 0);
            case Args.DOUBLE -> out.writeDouble(DebugAnnotation.DOUBLE_VALUE_FIELD_NUMBER, Double.longBitsToDouble(v));
            default -> throw new IllegalStateException("argument kind " + args.kind(i));
        }
    }

    /** Size of the table's pending entries as repeated field {@code field} of InternedData. */
    private static int internedSize(InternTable table, int field) {
        int total = 0;
        for (int i = 0; i < table.pendingCount(); i++) {
            total += nestedSize(field, internedEntrySize(table, i));
        }
        return total;
    }

    private static int internedEntrySize(InternTable table, int i) {
        return CodedOutputStream.computeUInt64Size(INTERNED_IID, table.pendingIid(i))
                + CodedOutputStream.computeStringSize(INTERNED_NAME, table.pendingString(i));
    }

    private void writeInterned(InternTable table, int field) throws IOException {
        for (int i = 0; i < table.pendingCount(); i++) {
            writeLengthDelimited(field, internedEntrySize(table, i));
            out.writeUInt64(INTERNED_IID, table.pendingIid(i));
            out.writeString(INTERNED_NAME, table.pendingString(i));
        }
        table.clearPending();
    }

    private void writeLengthDelimited(int field, int length) throws IOException {
        out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(length);
    }

    private static int nestedSize(int field, int length) {
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the trace was closed");
        }
    }
}

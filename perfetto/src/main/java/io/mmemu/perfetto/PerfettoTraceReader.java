package io.mmemu.perfetto;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.WireFormat;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import perfetto.protos.DebugAnnotationOuterClass.DebugAnnotation;
import perfetto.protos.InternedDataOuterClass.InternedData;
import perfetto.protos.TraceOuterClass.Trace;
import perfetto.protos.TracePacketOuterClass.TracePacket;
import perfetto.protos.TrackDescriptorOuterClass.TrackDescriptor;
import perfetto.protos.TrackEventOuterClass.TrackEvent;

/**
 * Reads a Perfetto trace file (a {@code Trace} message) with the classes generated from
 * Perfetto's .proto files, one packet at a time, and resolves interned strings the way
 * Perfetto's trace processor does: per packet sequence, reset by SEQ_INCREMENTAL_STATE_CLEARED.
 * It reads what {@link PerfettoWriter} writes (track descriptors and track events); other
 * packets are skipped. A reference to an iid the sequence never defined is an error, where
 * Perfetto would drop the event silently: a checking reader should say so.
 */
public final class PerfettoTraceReader {

    /** Receives a trace's tracks and events as they are read. */
    public interface Listener {
        /**
         * A track descriptor (the same track again when its descriptor is rewritten).
         *
         * @param track the track
         */
        void track(PerfettoTrace.Track track);

        /**
         * A track event.
         *
         * @param event the event
         */
        void event(PerfettoTrace.Event event);
    }

    private PerfettoTraceReader() {}

    /**
     * Reads a whole trace file into memory.
     *
     * @param file a trace file
     * @return its tracks and events
     * @throws IOException if it cannot be read or is not a well-formed trace
     */
    public static PerfettoTrace read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        }
    }

    /**
     * Reads a whole trace into memory.
     *
     * @param in the trace's bytes (not closed)
     * @return its tracks and events
     * @throws IOException if it cannot be read or is not a well-formed trace
     */
    public static PerfettoTrace read(InputStream in) throws IOException {
        Map<Long, PerfettoTrace.Track> tracks = new LinkedHashMap<>();
        List<PerfettoTrace.Event> events = new ArrayList<>();
        String[] traceName = {null};
        scan(in, new Listener() {
            @Override
            public void track(PerfettoTrace.Track track) {
                if (traceName[0] == null && track.kind() == PerfettoTrace.TrackKind.NAMED && track.parentUuid() == 0) {
                    traceName[0] = track.name();
                }
                tracks.put(track.uuid(), track);
            }

            @Override
            public void event(PerfettoTrace.Event event) {
                events.add(event);
            }
        });
        return new PerfettoTrace(traceName[0], List.copyOf(tracks.values()), Collections.unmodifiableList(events));
    }

    /**
     * Streams a trace to a listener, holding only the interning tables: for traces too big to
     * keep.
     *
     * @param in the trace's bytes (not closed)
     * @param listener receives each track and event in file order
     * @throws IOException if it cannot be read or is not a well-formed trace
     */
    public static void scan(InputStream in, Listener listener) throws IOException {
        CodedInputStream input = CodedInputStream.newInstance(new BufferedInputStream(in, 1 << 16));
        Map<Integer, Interned> sequences = new HashMap<>();
        while (!input.isAtEnd()) {
            int tag = input.readTag();
            if (WireFormat.getTagFieldNumber(tag) != Trace.PACKET_FIELD_NUMBER
                    || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                input.skipField(tag);
                continue;
            }
            TracePacket.Builder packet = TracePacket.newBuilder();
            input.readMessage(packet, ExtensionRegistryLite.getEmptyRegistry());
            input.resetSizeCounter(); // the 2 GiB limit applies per packet, not per file
            read(packet.build(), sequences, listener);
        }
    }

    private static void read(TracePacket packet, Map<Integer, Interned> sequences, Listener listener) {
        Interned interned = sequences.computeIfAbsent(packet.getTrustedPacketSequenceId(), id -> new Interned());
        if ((packet.getSequenceFlags() & TracePacket.SequenceFlags.SEQ_INCREMENTAL_STATE_CLEARED_VALUE) != 0
                || packet.getIncrementalStateCleared()) {
            interned.clear();
        }
        if (packet.hasInternedData()) {
            interned.add(packet.getInternedData());
        }
        if (packet.hasTrackDescriptor()) {
            listener.track(track(packet.getTrackDescriptor()));
        }
        if (packet.hasTrackEvent()) {
            listener.event(event(packet.getTimestamp(), packet.getTrackEvent(), interned));
        }
    }

    private static PerfettoTrace.Track track(TrackDescriptor d) {
        if (d.hasProcess()) {
            return new PerfettoTrace.Track(d.getUuid(), d.getParentUuid(), PerfettoTrace.TrackKind.PROCESS,
                    d.getProcess().hasProcessName() ? d.getProcess().getProcessName() : null,
                    d.getProcess().getPid(), 0, null);
        }
        if (d.hasThread()) {
            return new PerfettoTrace.Track(d.getUuid(), d.getParentUuid(), PerfettoTrace.TrackKind.THREAD,
                    d.getThread().hasThreadName() ? d.getThread().getThreadName() : null,
                    d.getThread().getPid(), (int) d.getThread().getTid(), null);
        }
        String name = d.hasName() ? d.getName() : null;
        if (d.hasCounter()) {
            String unit = switch (d.getCounter().getUnit()) {
                case UNIT_TIME_NS -> "ns";
                case UNIT_COUNT -> "count";
                case UNIT_SIZE_BYTES -> "bytes";
                default -> d.getCounter().hasUnitName() ? d.getCounter().getUnitName() : null;
            };
            return new PerfettoTrace.Track(d.getUuid(), d.getParentUuid(), PerfettoTrace.TrackKind.COUNTER,
                    name, 0, 0, unit);
        }
        return new PerfettoTrace.Track(d.getUuid(), d.getParentUuid(), PerfettoTrace.TrackKind.NAMED, name, 0, 0, null);
    }

    private static PerfettoTrace.Event event(long ts, TrackEvent e, Interned interned) {
        PerfettoTrace.EventType type = switch (e.getType()) {
            case TYPE_SLICE_BEGIN -> PerfettoTrace.EventType.SLICE_BEGIN;
            case TYPE_SLICE_END -> PerfettoTrace.EventType.SLICE_END;
            case TYPE_INSTANT -> PerfettoTrace.EventType.INSTANT;
            case TYPE_COUNTER -> PerfettoTrace.EventType.COUNTER;
            default -> throw new IllegalStateException("track event of type " + e.getType() + " at " + ts);
        };
        String category = e.getCategoryIidsCount() > 0
                ? Interned.get(interned.categories, e.getCategoryIids(0), "event category")
                : e.getCategoriesCount() > 0 ? e.getCategories(0) : null;
        String name = e.hasNameIid() ? Interned.get(interned.names, e.getNameIid(), "event name")
                : e.hasName() ? e.getName() : null;
        Map<String, Object> args = new LinkedHashMap<>();
        for (DebugAnnotation a : e.getDebugAnnotationsList()) {
            String argName = a.hasNameIid() ? Interned.get(interned.argNames, a.getNameIid(), "annotation name")
                    : a.getName();
            args.put(argName, value(a, interned));
        }
        double counter = e.hasCounterValue() ? e.getCounterValue()
                : e.hasDoubleCounterValue() ? e.getDoubleCounterValue() : 0;
        return new PerfettoTrace.Event(e.getTrackUuid(), ts, type, category, name, Collections.unmodifiableMap(args),
                List.copyOf(e.getFlowIdsList()), List.copyOf(e.getTerminatingFlowIdsList()), counter);
    }

    private static Object value(DebugAnnotation a, Interned interned) {
        return switch (a.getValueCase()) {
            case INT_VALUE -> a.getIntValue();
            case UINT_VALUE -> a.getUintValue();
            case POINTER_VALUE -> "0x" + Long.toHexString(a.getPointerValue());
            case STRING_VALUE -> a.getStringValue();
            case STRING_VALUE_IID -> Interned.get(interned.labels, a.getStringValueIid(), "annotation string value");
            case BOOL_VALUE -> a.getBoolValue();
            case DOUBLE_VALUE -> a.getDoubleValue();
            default -> a.getValueCase().toString();
        };
    }

    /** One sequence's interned strings by iid. */
    private static final class Interned {
        final Map<Long, String> categories = new HashMap<>();
        final Map<Long, String> names = new HashMap<>();
        final Map<Long, String> argNames = new HashMap<>();
        final Map<Long, String> labels = new HashMap<>();

        void clear() {
            categories.clear();
            names.clear();
            argNames.clear();
            labels.clear();
        }

        void add(InternedData d) {
            d.getEventCategoriesList().forEach(c -> categories.put(c.getIid(), c.getName()));
            d.getEventNamesList().forEach(n -> names.put(n.getIid(), n.getName()));
            d.getDebugAnnotationNamesList().forEach(n -> argNames.put(n.getIid(), n.getName()));
            d.getDebugAnnotationStringValuesList().forEach(s -> labels.put(s.getIid(), s.getStr().toStringUtf8()));
        }

        static String get(Map<Long, String> table, long iid, String what) {
            String s = table.get(iid);
            if (s == null) {
                throw new IllegalStateException(what + " iid " + iid + " used but not interned on its sequence");
            }
            return s;
        }
    }
}

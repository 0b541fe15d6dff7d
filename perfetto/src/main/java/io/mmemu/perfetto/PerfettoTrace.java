package io.mmemu.perfetto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Perfetto trace read back by {@link PerfettoTraceReader}: its tracks, its events in file
 * order, and what they make together (slices from begin/end pairs, flows, counter series), for
 * tests and tools that check what a trace holds.
 *
 * @param traceName the root track's name (the name the writer was given), or null if absent
 * @param tracks the tracks, in the order their descriptors first appear
 * @param events the track events, in file order, interned strings resolved
 */
public record PerfettoTrace(String traceName, List<Track> tracks, List<Event> events) {

    /** What a track stands for, from the descriptor's fields. */
    public enum TrackKind {
        /** TrackDescriptor.process set. */
        PROCESS,
        /** TrackDescriptor.thread set. */
        THREAD,
        /** TrackDescriptor.counter set. */
        COUNTER,
        /** A named track (the root, the CPU tracks). */
        NAMED
    }

    /** An event's TrackEvent.type. */
    public enum EventType {
        /** TYPE_SLICE_BEGIN. */
        SLICE_BEGIN,
        /** TYPE_SLICE_END. */
        SLICE_END,
        /** TYPE_INSTANT. */
        INSTANT,
        /** TYPE_COUNTER. */
        COUNTER
    }

    /**
     * A track, as its last descriptor describes it.
     *
     * @param uuid its uuid
     * @param parentUuid its parent's uuid, or 0
     * @param kind what it stands for
     * @param name its name (the process's or thread's name for those)
     * @param pid the process id (process and thread tracks), else 0
     * @param tid the thread id (thread tracks), else 0
     * @param unit a counter's unit ("ns", "count", "bytes" or the unit's name), else null
     */
    public record Track(long uuid, long parentUuid, TrackKind kind, String name, int pid, int tid, String unit) {}

    /**
     * A track event.
     *
     * @param track its track's uuid
     * @param ts its time in ns
     * @param type its type
     * @param category its (first) category, or null
     * @param name its name, or null (slice ends, counters)
     * @param args its debug annotations by name: Long (integers), String (strings; addresses as
     *     "0x..." hexadecimal), Boolean or Double, in the order written
     * @param flowIds the flows it starts or continues
     * @param terminatingFlowIds the flows it ends
     * @param counterValue a counter event's value, else 0
     */
    public record Event(long track, long ts, EventType type, String category, String name, Map<String, Object> args,
            List<Long> flowIds, List<Long> terminatingFlowIds, double counterValue) {}

    /**
     * A slice: a begin event and its matching end on the same track.
     *
     * @param begin the SLICE_BEGIN event (name, category, arguments, flows)
     * @param end the end time in ns, or -1 if the slice was never closed
     * @param depth how many slices enclose it on its track
     */
    public record Slice(Event begin, long end, int depth) {}

    /**
     * One arrow: a flow id from the event that started it to the next event that carries it.
     *
     * @param id the flow id
     * @param from the earlier event
     * @param to the later event
     */
    public record Flow(long id, Event from, Event to) {}

    /**
     * The track of this name.
     *
     * @param name a track's name
     * @return the first track so named
     */
    public Optional<Track> track(String name) {
        return tracks.stream().filter(t -> name.equals(t.name())).findFirst();
    }

    /**
     * The tracks of one kind.
     *
     * @param kind the kind
     * @return those tracks, in order of appearance
     */
    public List<Track> tracks(TrackKind kind) {
        return tracks.stream().filter(t -> t.kind() == kind).toList();
    }

    /**
     * The track's events of one type.
     *
     * @param track a track's uuid
     * @param type the type
     * @return those events, in file order
     */
    public List<Event> events(long track, EventType type) {
        return events.stream().filter(e -> e.track() == track && e.type() == type).toList();
    }

    /**
     * The track's instant events.
     *
     * @param track a track's uuid
     * @return those events, in file order
     */
    public List<Event> instants(long track) {
        return events(track, EventType.INSTANT);
    }

    /**
     * The track's slices, matched begin to end as Perfetto nests them (an end closes the
     * innermost open slice of its track), in order of their begin.
     *
     * @param track a track's uuid
     * @return the slices
     */
    public List<Slice> slices(long track) {
        List<Slice> slices = new ArrayList<>();
        List<Integer> open = new ArrayList<>();
        for (Event e : events) {
            if (e.track() != track) {
                continue;
            }
            if (e.type() == EventType.SLICE_BEGIN) {
                open.add(slices.size());
                slices.add(new Slice(e, -1, open.size() - 1));
            } else if (e.type() == EventType.SLICE_END && !open.isEmpty()) {
                int i = open.removeLast();
                Slice s = slices.get(i);
                slices.set(i, new Slice(s.begin(), e.ts(), s.depth()));
            }
        }
        return slices;
    }

    /**
     * The flows, as Perfetto's trace processor links them: an id in an event's flow_ids links it
     * to the previous event that carried the id (if the flow is still open); an id in
     * terminating_flow_ids links likewise and closes the flow.
     *
     * @return the arrows, in order of their later event
     */
    public List<Flow> flows() {
        Map<Long, Event> last = new HashMap<>();
        List<Flow> flows = new ArrayList<>();
        for (Event e : events) {
            for (long id : e.flowIds()) {
                Event from = last.put(id, e);
                if (from != null) {
                    flows.add(new Flow(id, from, e));
                }
            }
            for (long id : e.terminatingFlowIds()) {
                Event from = last.remove(id);
                if (from != null) {
                    flows.add(new Flow(id, from, e));
                }
            }
        }
        return flows;
    }

    /**
     * A counter track's values over time.
     *
     * @param track a counter track's uuid
     * @return time (ns) to value, in file order (a later value at the same time wins)
     */
    public Map<Long, Double> counterValues(long track) {
        Map<Long, Double> values = new LinkedHashMap<>();
        for (Event e : events(track, EventType.COUNTER)) {
            values.put(e.ts(), e.counterValue());
        }
        return values;
    }
}

package io.mmemu.emulator.report;

import io.mmemu.slub.CacheLayout;
import io.mmemu.slub.CacheSnapshot;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.SlabFlags;
import io.mmemu.slub.Slub;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Each slab cache's slabs, one row of object slots per slab (wrapped every
 * {@value #PER_ROW}), read from {@link KmemCache#snapshot()} without flushing anything: an object
 * is free when it is on its slab's freelist, or on the freelist of the CPU whose slab it is;
 * every other object is allocated. A slot is drawn as its layout has it: with slub_debug's red
 * zones (Z) a red band before and after the object, and a free object of a poisoning cache (P)
 * in the poison colour (its bytes hold 0x6b…0xa5). An object whose red zone or poison is
 * damaged gets a black outline and the damage in its tooltip.
 *
 * @param caches every cache of the allocator, in creation order
 */
record SlabPicture(List<CacheView> caches) {
    /** What a slot's object is. */
    enum State { ALLOCATED, FREE, POISONED }

    /**
     * One slab.
     *
     * @param address its first byte
     * @param where   the list it is on (cpu N, cpu N partial, node partial, full), as SLUB keeps it
     * @param objects its objects' states, by index
     * @param damage  per object, the damage found there, or null
     */
    record SlabView(long address, String where, List<State> objects, List<String> damage) {}

    /**
     * One cache.
     *
     * @param name       its name
     * @param layout     its object layout
     * @param slabs      its slabs in address order, at most {@value #MAX_SLABS} of them
     * @param totalSlabs all its slabs
     */
    record CacheView(String name, CacheLayout layout, List<SlabView> slabs, int totalSlabs) {
        boolean redZone() {
            return (layout.flags() & SlabFlags.SLAB_RED_ZONE) != 0;
        }
    }

    /** Slabs drawn per cache: a leaking run can hold thousands; the count says how many more. */
    static final int MAX_SLABS = 48;
    private static final int PER_ROW = 64;
    private static final int CELL = 12;
    private static final int ROW_H = 14;

    /** Copies every cache of {@code slub}; changes nothing (no flush). */
    static SlabPicture capture(Slub slub) {
        List<CacheView> caches = new ArrayList<>();
        for (KmemCache cache : slub.caches()) {
            CacheSnapshot snap = cache.snapshot();
            CacheLayout layout = snap.layout();
            boolean poison = (layout.flags() & SlabFlags.OBJECT_POISON) != 0;
            List<SlabView> slabs = new ArrayList<>();
            for (CacheSnapshot.SlabState s : snap.slabs()) {
                if (slabs.size() == MAX_SLABS) break;
                Set<Long> free = new HashSet<>(s.freelist());
                String where = s.onFull() ? "node full list" : s.onNodePartial() ? "node partial list" : "";
                for (CacheSnapshot.Cpu c : snap.cpus()) {
                    if (c.slab() == s.address()) {
                        free.addAll(c.freelist());
                        where = "CPU " + c.cpu() + " slab";
                    } else if (c.partial().contains(s.address())) {
                        where = "CPU " + c.cpu() + " partial list";
                    }
                }
                List<State> objects = new ArrayList<>(s.objects());
                List<String> damage = new ArrayList<>(s.objects());
                for (int i = 0; i < s.objects(); i++) {
                    boolean isFree = free.contains(layout.objectAddress(s.address(), i));
                    objects.add(!isFree ? State.ALLOCATED : poison ? State.POISONED : State.FREE);
                    damage.add(null);
                }
                for (CacheSnapshot.Damage d : s.damage()) {
                    int i = layout.objectIndex(s.address(), s.objects(), d.object());
                    if (i >= 0) damage.set(i, (damage.get(i) == null ? "" : damage.get(i) + "\n") + d.message());
                }
                slabs.add(new SlabView(s.address(), where.isEmpty() ? "no list" : where, List.copyOf(objects),
                        Collections.unmodifiableList(damage)));
            }
            caches.add(new CacheView(snap.cache(), layout, List.copyOf(slabs), snap.slabs().size()));
        }
        return new SlabPicture(List.copyOf(caches));
    }

    /** Appends one SVG per cache that has slabs, and one line naming those that have none. */
    void render(StringBuilder out) {
        List<String> empty = new ArrayList<>();
        for (CacheView c : caches) {
            if (c.totalSlabs() == 0) {
                empty.add(c.name());
                continue;
            }
            long inUse = c.slabs().stream().flatMap(s -> s.objects().stream()).filter(s -> s == State.ALLOCATED).count();
            long objects = c.slabs().stream().mapToLong(s -> s.objects().size()).sum();
            out.append("<div class=\"slab-cache\" data-cache=\"").append(Html.esc(c.name())).append("\"><h4>")
                    .append(Html.esc(c.name())).append("</h4><p>object ").append(c.layout().objectSize())
                    .append(" B in a ").append(c.layout().size()).append(" B slot, ").append(c.layout().objects())
                    .append(" per order-").append(c.layout().order()).append(" slab; ").append(c.totalSlabs())
                    .append(" slab(s), ").append(inUse).append(" of ").append(objects).append(" objects allocated")
                    .append(c.redZone() ? ", red zones" : "")
                    .append((c.layout().flags() & SlabFlags.OBJECT_POISON) != 0 ? ", poisoned when free" : "");
            if (c.totalSlabs() > c.slabs().size()) {
                out.append("; the first ").append(c.slabs().size()).append(" drawn");
            }
            out.append("</p>\n");
            int rows = 0;
            for (SlabView s : c.slabs()) rows += (s.objects().size() + PER_ROW - 1) / PER_ROW;
            out.append("<svg class=\"picture slab\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                    .append(150 + PER_ROW * CELL).append("\" height=\"").append(rows * ROW_H + c.slabs().size() * 4 + 4)
                    .append("\">\n");
            int y = 2;
            for (SlabView s : c.slabs()) {
                out.append("<g class=\"slab-row\"><text x=\"0\" y=\"").append(y + 10).append("\">")
                        .append(Html.hex(s.address())).append("<title>").append(Html.esc(s.where())).append("</title></text>");
                for (int i = 0; i < s.objects().size(); i++) {
                    int x = 150 + i % PER_ROW * CELL;
                    int yy = y + i / PER_ROW * ROW_H;
                    slot(out, c, s, i, x, yy);
                }
                out.append("</g>\n");
                y += (s.objects().size() + PER_ROW - 1) / PER_ROW * ROW_H + 4;
            }
            out.append("</svg></div>\n");
        }
        if (!empty.isEmpty()) {
            out.append("<p>No slabs: ").append(Html.esc(String.join(", ", empty))).append("</p>\n");
        }
    }

    /** One object slot: red zones (when the cache has them) around the object's own cell. */
    private static void slot(StringBuilder out, CacheView c, SlabView s, int i, int x, int y) {
        State st = s.objects().get(i);
        String damage = s.damage().get(i);
        long addr = c.layout().objectAddress(s.address(), i);
        String tip = c.name() + " object " + i + " at " + Html.hex(addr) + ": " + st.name().toLowerCase(Locale.ROOT)
                + " (slab " + Html.hex(s.address()) + ", " + s.where() + ")" + (damage == null ? "" : "\n" + damage);
        int w = CELL - 1;
        int objX = x;
        int objW = w;
        if (c.redZone()) {
            out.append("<rect class=\"rz\" x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"2\" height=\"")
                    .append(ROW_H - 2).append("\"/>");
            out.append("<rect class=\"rz\" x=\"").append(x + w - 2).append("\" y=\"").append(y)
                    .append("\" width=\"2\" height=\"").append(ROW_H - 2).append("\"/>");
            objX = x + 2;
            objW = w - 4;
        }
        out.append("<rect class=\"obj obj-").append(st.name().toLowerCase(Locale.ROOT))
                .append(damage == null ? "" : " obj-damaged").append("\" x=\"").append(objX).append("\" y=\"").append(y)
                .append("\" width=\"").append(objW).append("\" height=\"").append(ROW_H - 2).append("\"><title>")
                .append(Html.esc(tip)).append("</title></rect>");
    }
}

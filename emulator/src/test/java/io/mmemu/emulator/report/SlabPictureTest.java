package io.mmemu.emulator.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.report.SlabPicture.CacheView;
import io.mmemu.emulator.report.SlabPicture.SlabView;
import io.mmemu.emulator.report.SlabPicture.State;
import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.Slub;
import io.mmemu.slub.testing.ArenaPhysMemory;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The slab picture tells allocated, free and poisoned objects apart as SLUB holds them, and marks
 * exactly the object whose red zone was clobbered, with SLUB's own words for it (the way
 * lib/slub_kunit.c clobbers a red zone and expects exactly that report).
 */
class SlabPictureTest {
    @Test
    void statesAndOneClobberedRedZone() {
        try (ArenaPhysMemory mem = new ArenaPhysMemory(16L << 20)) {
            Slub slub = new Slub(mem, mem, Slub.Config.defaults(1).withSlubDebug("ZP"));
            KmemCache cache = slub.kmemCacheCreate("report_test", 64, 8, 0, null);
            CpuBinding cpu = slub.bind(0);
            long[] objects = new long[5];
            for (int i = 0; i < objects.length; i++) objects[i] = cache.alloc(cpu);
            cache.free(objects[1], cpu);
            cache.free(objects[3], cpu);
            mem.writeByte(objects[2] + 64, (byte) 0x42); // the first byte of object 2's right red zone

            CacheView view = SlabPicture.capture(slub).caches().stream().filter(c -> c.name().equals("report_test"))
                    .findFirst().orElseThrow();
            assertEquals(1, view.slabs().size(), view.toString());
            SlabView slab = view.slabs().getFirst();
            int[] index = new int[objects.length];
            for (int i = 0; i < objects.length; i++) {
                index[i] = cache.layout().objectIndex(slab.address(), slab.objects().size(), objects[i]);
            }
            assertEquals(List.of(State.ALLOCATED, State.POISONED, State.ALLOCATED, State.POISONED, State.ALLOCATED),
                    java.util.Arrays.stream(index).mapToObj(i -> slab.objects().get(i)).toList(), slab.toString());
            assertEquals(3, slab.objects().stream().filter(s -> s == State.ALLOCATED).count(), "only those allocated");
            for (int i = 0; i < slab.objects().size(); i++) {
                if (i == index[2]) {
                    assertTrue(slab.damage().get(i).startsWith("[Right Redzone overwritten]"), slab.damage().get(i));
                    assertTrue(slab.damage().get(i).endsWith("First byte 0x42 instead of 0xcc"), slab.damage().get(i));
                } else {
                    assertNull(slab.damage().get(i), "object " + i);
                }
            }

            StringBuilder out = new StringBuilder();
            new SlabPicture(List.of(view)).render(out);
            String svg = out.toString();
            int n = slab.objects().size();
            assertEquals(n, count(svg, "<rect class=\"obj "), svg);
            assertEquals(2L * n, count(svg, "<rect class=\"rz\""), "two red zones per slot");
            assertEquals(1, count(svg, " obj-damaged\""), svg);
            assertEquals(3, count(svg, "<rect class=\"obj obj-allocated"), svg);
        }
    }

    private static long count(String text, String what) {
        return Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
    }
}

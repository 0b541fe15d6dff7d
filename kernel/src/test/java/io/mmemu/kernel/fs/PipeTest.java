package io.mmemu.kernel.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pipe's ring of 16 page buffers (struct pipe_inode_info) as pipe_write(), vmsplice() and pipe_read() use it. */
class PipeTest {
    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void sixteenBuffersFillThePipeWhateverTheirSize() {
        OpenFile.Pipe p = new OpenFile.Pipe();
        for (int i = 0; i < OpenFile.Pipe.PIPE_DEF_BUFFERS; i++) {
            assertFalse(p.full(), "after " + i + " buffers");
            p.push(bytes("x"), 0, 1, false);
        }
        assertTrue(p.full());
        assertEquals(16, p.available());
        assertEquals(16, p.occupancy());
    }

    @Test
    void onlyAMergeableLastBufferTakesMoreBytes() {
        OpenFile.Pipe p = new OpenFile.Pipe();
        assertEquals(0, p.mergeRoom(), "an empty pipe has no last buffer");
        p.push(bytes("abc"), 0, 3, true);
        assertEquals(OpenFile.Pipe.PAGE_SIZE - 3, p.mergeRoom());
        p.merge(bytes("de"), 0, 2);
        assertEquals(1, p.occupancy());
        assertEquals(5, p.length(0));
        p.push(bytes("v"), 0, 1, false); // a vmsplice()d piece: nothing merges into it
        assertEquals(0, p.mergeRoom());
    }

    @Test
    void readingConsumesFromTheOldestBufferAndFreesItsSlot() {
        OpenFile.Pipe p = new OpenFile.Pipe();
        p.push(bytes("hello"), 0, 5, true);
        p.push(bytes("world"), 0, 5, false);
        byte[] out = new byte[3];
        p.peek(0, out, 3);
        assertArrayEquals(bytes("hel"), out);
        p.consumeTail(3);
        assertEquals(2, p.length(0), "the rest of the first buffer");
        assertEquals(2, p.occupancy());
        p.consumeTail(2);
        assertEquals(1, p.occupancy(), "an emptied buffer leaves its slot");
        p.peek(0, out, 3);
        assertArrayEquals(bytes("wor"), out);
        assertEquals(5, p.available());
    }

    @Test
    void slotsAreReusedRoundTheRing() {
        OpenFile.Pipe p = new OpenFile.Pipe();
        byte[] one = new byte[1];
        for (int i = 0; i < 40; i++) {
            p.push(new byte[] {(byte) i}, 0, 1, false);
            p.peek(0, one, 1);
            assertEquals((byte) i, one[0]);
            p.consumeTail(1);
            assertTrue(p.empty());
        }
    }
}

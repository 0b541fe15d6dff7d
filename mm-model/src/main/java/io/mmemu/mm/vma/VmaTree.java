package io.mmemu.mm.vma;

import java.util.ArrayList;
import java.util.List;

/**
 * The VMAs of one address space: an AVL tree keyed by vm_start, augmented as Linux's rb-tree of
 * VMAs was before the maple tree (rb_subtree_gap, mm/mmap.c of v3.8..v6.0), so that find_vma()
 * and the top-down gap search of get_unmapped_area() are both O(log n).
 *
 * <p>Each node keeps
 * <ul>
 *   <li>{@code end} and {@code guard}: copies of its VMA's end and vm_start_gap() (TOP unless
 *       VM_GROWSDOWN), so that recomputing a path reads no VMA;</li>
 *   <li>{@code nextStart}: the start of the next VMA, or {@link #TOP} for the highest; the hole
 *       above the VMA is [end, nextStart);</li>
 *   <li>{@code maxGap}: the largest hole (nextStart - end) in the node's subtree, leaving out the
 *       unbounded one above the highest VMA, which the caller checks first, as it checks the
 *       one below the lowest last;</li>
 *   <li>{@code minGuard}: the lowest vm_start_gap() of a VM_GROWSDOWN VMA in the subtree
 *       ({@link #TOP} when none), so that the stack_guard_gap of every stack above a candidate
 *       hole is checked without walking the VMAs in between.</li>
 * </ul>
 * Invariants: keys are the VMAs' starts, in order; nextStart is the successor's key; maxGap and
 * minGuard are exact for the copies, and the copies equal the VMA's fields. Inserting or
 * removing a VMA fixes its predecessor's nextStart; whoever moves a VMA's end or changes its
 * flags (a merge, a split, mremap's vma_expand via {@code MmStruct.mergeAround}) calls
 * {@link #refresh} for it. The hole of a candidate is checked against the live VMA, so an end
 * that grew without a refresh costs a longer search, not an overlapping placement.
 *
 * <p>Lookups allocate nothing (the keys are primitive longs), so find_vma() on a cache miss
 * allocates no more than on a hit.
 */
final class VmaTree {
    /** nextStart of the highest VMA, and minGuard of a subtree without stacks: nothing above. */
    static final long TOP = Long.MAX_VALUE;

    static final class Node {
        final long key;
        Vma vma;
        long end;
        long guard;
        long nextStart;
        Node left, right;
        int height;
        long maxGap;
        long minGuard;

        Node(Vma vma, long nextStart) {
            this.key = vma.start;
            this.nextStart = nextStart;
            load(vma);
        }

        /** Takes the VMA's end and guard into the node (after its end or flags moved). */
        void load(Vma v) {
            vma = v;
            end = v.end;
            guard = guardOf(v);
        }
    }

    private Node root;
    private int size;

    int size() {
        return size;
    }

    /**
     * The first VMA with end &gt; addr (find_vma()), in one descent: the VMA starting at or below
     * addr if it reaches past addr, else the first one starting above addr.
     */
    Vma find(long addr) {
        Node floor = null, higher = null;
        for (Node t = root; t != null; ) {
            if (t.key <= addr) {
                floor = t;
                t = t.right;
            } else {
                higher = t;
                t = t.left;
            }
        }
        if (floor != null && floor.vma.end > addr) return floor.vma;
        return higher == null ? null : higher.vma;
    }

    /** The VMA with the greatest start below {@code addr}, or null. */
    Vma lower(long addr) {
        Node n = lowerNode(addr);
        return n == null ? null : n.vma;
    }

    /** The VMA with the least start above {@code addr}, or null. */
    Vma higher(long addr) {
        Node n = higherNode(addr);
        return n == null ? null : n.vma;
    }

    /** The highest VMA, or null. */
    Vma last() {
        Node t = root;
        if (t == null) return null;
        while (t.right != null) t = t.right;
        return t.vma;
    }

    /** The lowest VMA, or null. */
    Vma first() {
        Node t = root;
        if (t == null) return null;
        while (t.left != null) t = t.left;
        return t.vma;
    }

    private Node lowerNode(long addr) {
        Node best = null;
        for (Node t = root; t != null; ) {
            if (t.key < addr) {
                best = t;
                t = t.right;
            } else {
                t = t.left;
            }
        }
        return best;
    }

    private Node higherNode(long addr) {
        Node best = null;
        for (Node t = root; t != null; ) {
            if (t.key > addr) {
                best = t;
                t = t.left;
            } else {
                t = t.right;
            }
        }
        return best;
    }

    /** The VMAs in address order (a new list). */
    List<Vma> values() {
        List<Vma> out = new ArrayList<>(size);
        Node[] stack = new Node[Math.max(1, 2 * height(root))];
        int sp = 0;
        Node t = root;
        while (t != null || sp > 0) {
            while (t != null) {
                stack[sp++] = t;
                t = t.left;
            }
            t = stack[--sp];
            out.add(t.vma);
            t = t.right;
        }
        return out;
    }

    /**
     * Inserts {@code vma} under its start (replacing a VMA with the same start, as TreeMap.put),
     * in one descent: the new node's predecessor and successor are ancestors on the path (the
     * last turns right and left), so the predecessor's nextStart is set at the leaf and its
     * aggregates are recomputed as the insertion unwinds.
     */
    void put(Vma vma) {
        root = insert(root, new Node(vma, TOP), null, null);
    }

    /**
     * Removes the VMA starting at {@code key}, if any, in one descent; its hole joins its
     * predecessor's, which is either an ancestor (recomputed as the deletion unwinds) or the
     * rightmost node of its left subtree (recomputed along that subtree's right spine).
     */
    void remove(long key) {
        root = delete(root, key, null);
    }

    void clear() {
        root = null;
        size = 0;
    }

    /** Recomputes the augmented values on the path to the VMA starting at {@code key} (its end or flags moved). */
    void refresh(long key) {
        refresh(root, key);
    }

    private static void refresh(Node t, long key) {
        if (t == null) return;
        if (key < t.key) refresh(t.left, key);
        else if (key > t.key) refresh(t.right, key);
        else t.load(t.vma);
        pull(t);
    }

    /**
     * The highest VMA whose hole, clipped to [low, high), holds {@code len} bytes, or null
     * (the holes above the highest and below the lowest VMA are the caller's). Needs
     * high - low &gt;= len. Subtrees
     * whose largest hole is too small are skipped, as are VMAs ending above high - len, and
     * everything left of a VMA that starts less than len above low.
     */
    Node highestHole(long len, long low, long high) {
        return highestHole(root, len, low, high);
    }

    private static Node highestHole(Node t, long len, long low, long high) {
        if (t == null || t.maxGap < len) return null;
        if (t.end <= high - len) {
            Node r = highestHole(t.right, len, low, high);
            if (r != null) return r;
            if (Math.min(t.nextStart, high) - Math.max(t.vma.end, low) >= len) return t;
        }
        if (t.key - low < len) return null;
        return highestHole(t.left, len, low, high);
    }

    /**
     * The lowest vm_start_gap() below {@code from} of a VM_GROWSDOWN VMA starting at or above
     * from, or TOP when there is none; O(1) when no stack's guard reaches below from at all.
     */
    long guardBelow(long from) {
        if (root == null || root.minGuard >= from) return TOP;
        long m = TOP;
        for (Node t = root; t != null; ) {
            if (t.key >= from) {
                m = Math.min(m, t.guard);
                if (t.right != null) m = Math.min(m, t.right.minGuard);
                t = t.left;
            } else {
                t = t.right;
            }
        }
        return m < from ? m : TOP;
    }

    static long guardOf(Vma v) {
        return v.has(VmFlags.VM_GROWSDOWN) ? Mmap.vmStartGap(v) : TOP;
    }

    private static int height(Node t) {
        return t == null ? 0 : t.height;
    }

    /** Recomputes height, maxGap and minGuard of {@code t} from its children. */
    private static void pull(Node t) {
        Node l = t.left, r = t.right;
        t.height = 1 + Math.max(height(l), height(r));
        long gap = t.nextStart == TOP ? 0 : t.nextStart - t.end; // above the highest: the caller's
        long g = t.guard;
        if (l != null) {
            gap = Math.max(gap, l.maxGap);
            g = Math.min(g, l.minGuard);
        }
        if (r != null) {
            gap = Math.max(gap, r.maxGap);
            g = Math.min(g, r.minGuard);
        }
        t.maxGap = gap;
        t.minGuard = g;
    }

    /** {@code pred} and {@code succ}: the last ancestors where the descent turned right and left. */
    private Node insert(Node t, Node n, Node pred, Node succ) {
        if (t == null) {
            n.nextStart = succ == null ? TOP : succ.key;
            if (pred != null) {
                pred.nextStart = n.key;
                pred.load(pred.vma); // __split_vma() moved its end to n.key just before
            }
            size++;
            pull(n);
            return n;
        }
        if (n.key < t.key) {
            t.left = insert(t.left, n, pred, t);
        } else if (n.key > t.key) {
            t.right = insert(t.right, n, t, succ);
        } else {
            t.load(n.vma);
        }
        return balance(t);
    }

    /** {@code pred}: the last ancestor where the descent turned right. */
    private Node delete(Node t, long key, Node pred) {
        if (t == null) return null;
        if (key < t.key) {
            t.left = delete(t.left, key, pred);
        } else if (key > t.key) {
            t.right = delete(t.right, key, t);
        } else {
            size--;
            if (t.left != null) setLastNextStart(t.left, t.nextStart);
            else if (pred != null) pred.nextStart = t.nextStart;
            if (t.left == null) return t.right;
            if (t.right == null) return t.left;
            Node m = t.right;
            while (m.left != null) m = m.left;
            m.right = deleteMin(t.right);
            m.left = t.left;
            t = m;
        }
        return balance(t);
    }

    /** Sets nextStart of the rightmost node of {@code t}, recomputing its right spine. */
    private static void setLastNextStart(Node t, long nextStart) {
        if (t.right == null) t.nextStart = nextStart;
        else setLastNextStart(t.right, nextStart);
        pull(t);
    }

    private static Node deleteMin(Node t) {
        if (t.left == null) return t.right;
        t.left = deleteMin(t.left);
        return balance(t);
    }

    private static Node balance(Node t) {
        pull(t);
        int bf = height(t.left) - height(t.right);
        if (bf > 1) {
            if (height(t.left.left) < height(t.left.right)) t.left = rotateLeft(t.left);
            return rotateRight(t);
        }
        if (bf < -1) {
            if (height(t.right.right) < height(t.right.left)) t.right = rotateRight(t.right);
            return rotateLeft(t);
        }
        return t;
    }

    private static Node rotateRight(Node t) {
        Node l = t.left;
        t.left = l.right;
        l.right = t;
        pull(t);
        pull(l);
        return l;
    }

    private static Node rotateLeft(Node t) {
        Node r = t.right;
        t.right = r.left;
        r.left = t;
        pull(t);
        pull(r);
        return r;
    }
}

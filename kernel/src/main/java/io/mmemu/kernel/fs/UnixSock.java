package io.mmemu.kernel.fs;

import io.mmemu.mm.task.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One AF_UNIX socket of a connected pair (struct unix_sock with the struct sock fields
 * net/unix/af_unix.c uses): its type, its peer, its receive queue of buffers (sk_buff), the
 * shutdown bits, a pending error (sk_err) and the send-buffer bytes its queued buffers hold
 * (sk_wmem_alloc against sk_sndbuf). The protocol lives in the kernel's UnixSockets; this is
 * the state both ends and their open files share.
 */
public final class UnixSock {
    /** Socket types (include/linux/net.h): the byte stream, datagrams, and datagrams on a connection. */
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5;
    /** sk_shutdown bits: no more receiving, no more sending. */
    public static final int RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;

    /**
     * A buffer in a receive queue (struct sk_buff): its bytes, how many a stream reader has
     * already taken (UNIXCB(skb).consumed), and the socket whose send buffer it is charged to.
     */
    public static final class Skb {
        /** The payload. */
        public final byte[] data;
        /** The socket that sent it (skb->sk): its {@link #wmemAlloc} holds {@link #truesize}. */
        public final UnixSock sender;
        /** What the buffer is charged to its sender (skb->truesize). */
        public final int truesize;
        /** Bytes a stream reader has consumed from the front. */
        public int consumed;

        /**
         * A buffer charged to its sender.
         *
         * @param data     the payload
         * @param sender   the sending socket
         * @param truesize the bytes it holds of the sender's send buffer
         */
        public Skb(byte[] data, UnixSock sender, int truesize) {
            this.data = data;
            this.sender = sender;
            this.truesize = truesize;
        }

        /** {@return the bytes not yet consumed (unix_skb_len())} */
        public int len() {
            return data.length - consumed;
        }
    }

    /**
     * A blocking send or receive that moved part of its bytes and then slept: the syscall is
     * re-executed when woken and continues after {@code done} bytes, as Linux's loop does without
     * leaving the kernel.
     */
    public static final class Progress {
        /** The sleeping task (compared by reference: one call in progress per task). */
        public final Task task;
        /** Whether it is a send (else a receive). */
        public final boolean send;
        /** Bytes moved so far by this call. */
        public long done;

        Progress(Task task, boolean send) {
            this.task = task;
            this.send = send;
        }
    }

    /** SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET. */
    public final int type;
    /** The inode number its file shows (sockfs' get_next_ino()). */
    private final long ino;
    /** unix_peer(sk): the other end; null once a datagram socket saw its peer gone (ECONNREFUSED). */
    public UnixSock peer;
    /** sk_receive_queue. */
    public final ArrayDeque<Skb> receiveQueue = new ArrayDeque<>();
    /** sk_shutdown: {@link #RCV_SHUTDOWN} and {@link #SEND_SHUTDOWN}. */
    public int shutdown;
    /** sk_err: a positive errno that the next call reporting socket errors returns and clears, else 0. */
    public int err;
    /** sk_wmem_alloc: the truesize of the buffers it sent that still sit in a receive queue. */
    public long wmemAlloc;
    /** SOCK_DEAD: released by the last close of its file. */
    public boolean dead;
    /** Calls on this socket that moved part of their bytes and sleep (see {@link Progress}). */
    private final List<Progress> inProgress = new ArrayList<>(1);

    /**
     * A socket not yet connected.
     *
     * @param type SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET
     * @param ino  its inode number
     */
    public UnixSock(int type, long ino) {
        this.type = type;
        this.ino = ino;
    }

    /**
     * The progress of {@code task}'s call in that direction, made when {@code create}.
     *
     * @param task   the calling task
     * @param send   a send (else a receive)
     * @param create whether to make an entry at 0 bytes when there is none
     * @return the entry, or null when there is none and {@code create} is false
     */
    public Progress progress(Task task, boolean send, boolean create) {
        for (Progress p : inProgress) {
            if (p.task == task && p.send == send) return p;
        }
        if (!create) return null;
        Progress p = new Progress(task, send);
        inProgress.add(p);
        return p;
    }

    /**
     * Forgets a call's progress once it returns.
     *
     * @param p the entry {@link #progress} gave
     */
    public void finish(Progress p) {
        if (p != null) inProgress.remove(p);
    }

    /** {@return the inode number its file shows} */
    public long ino() {
        return ino;
    }

    /** {@return whether a stream or seqpacket socket (connection-based: the peer's close is an EOF)} */
    public boolean connectionBased() {
        return type != SOCK_DGRAM;
    }
}

package io.mmemu.kernel;

import io.mmemu.kernel.fs.FdTable;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.UnixSock;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.ToIntFunction;

/**
 * AF_UNIX socket pairs: socketpair() and the socket calls of net/socket.c (sendto, recvfrom,
 * sendmsg, recvmsg, shutdown) over net/unix/af_unix.c's stream, datagram and seqpacket
 * protocols; {@link ReadWrite} routes read, write, readv and writev of a socket here too.
 *
 * <p>Design. Each socket ({@link UnixSock}) has a receive queue of buffers; a send appends to
 * the peer's queue and charges the buffer's truesize to the sender's send buffer (sk_wmem_alloc
 * against sk_sndbuf, {@link #SK_SNDBUF}), a receive that takes a buffer whole gives it back
 * (sock_wfree()). A stream reader takes bytes across buffers; a datagram or seqpacket reader
 * takes one buffer, truncated to its room (MSG_TRUNC). No file descriptors or credentials travel
 * (no SCM_RIGHTS), there are no addresses (socket(), bind() and connect() are not modelled) and
 * no out-of-band data.
 *
 * <p>Blocking. A call that cannot proceed sleeps as pipes do ({@link LinuxSyscalls#BLOCK}: the
 * syscall is re-executed when woken, with EINTR once a signal is pending), and every change that
 * might let one proceed wakes all sleepers. A stream send larger than the send buffer, or a
 * MSG_WAITALL receive, that moved some bytes before it had to sleep keeps its count in the
 * socket's {@link UnixSock.Progress}, so that the re-executed call goes on where it stopped and
 * returns the whole count, as Linux's loop inside one call does; a signal ends it with the bytes
 * moved so far.
 */
final class UnixSockets {
    static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;
    /** NPROTO (AF_MAX): families at or above it are EAFNOSUPPORT; SOCK_MAX for types. */
    static final int NPROTO = 46, SOCK_MAX = 11, SOCK_TYPE_MASK = 0xf, SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = Pipes.O_NONBLOCK, SOCK_CLOEXEC = Vfs.O_CLOEXEC;
    /** send and recv flags (include/linux/socket.h). */
    static final int MSG_OOB = 1, MSG_PEEK = 2, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_EOR = 0x80,
            MSG_WAITALL = 0x100, MSG_NOSIGNAL = 0x4000, MSG_CMSG_COMPAT = 0x80000000;
    /** The socket errnos (include/uapi/asm-generic/errno.h). */
    static final int ENOTSOCK = 88, EMSGSIZE = 90, EPROTONOSUPPORT = 93, ESOCKTNOSUPPORT = 94, EAFNOSUPPORT = 97,
            ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106, ENOTCONN = 107, ECONNREFUSED = 111;
    /** sk_sndbuf's default: net.core.wmem_default (212992 on x86-64 Linux). */
    static final int SK_SNDBUF = 212992;
    /**
     * What a buffer costs its sender beyond its payload (SKB_TRUESIZE()'s sk_buff and
     * skb_shared_info, rounded as kmalloc does): only where a send buffer fills depends on it.
     */
    static final int SKB_OVERHEAD = 768;
    /** A stream send's largest buffer: SKB_MAX_HEAD(0) plus UNIX_SKB_FRAGS_SZ (32 KiB of page fragments). */
    static final int STREAM_SKB_MAX = 3776 + 32768;
    /** sizeof(struct sockaddr_storage): the longest address a call takes; offsetof(sun_path) and sizeof(sockaddr_un). */
    static final int SOCKADDR_STORAGE = 128, SUN_PATH_OFFSET = 2, SOCKADDR_UN = 110;
    /** sizeof(struct user_msghdr). */
    static final int MSGHDR_SIZE = 56;

    private final UserAccess uaccess;
    private final FileSyscalls files;
    private final FileSyscalls.Sleeping sleeping;
    private final ToIntFunction<Task> nofile;
    /** sockfs' inode numbers (get_next_ino()). */
    private long nextIno = 20000;

    UnixSockets(UserAccess uaccess, FileSyscalls files, FileSyscalls.Sleeping sleeping, ToIntFunction<Task> nofile) {
        this.uaccess = uaccess;
        this.files = files;
        this.sleeping = sleeping;
        this.nofile = nofile;
    }

    /** Where a send's bytes come from: {@code len} bytes at offset {@code from} of the call's data into {@code dst}; 0 or -EFAULT. */
    @FunctionalInterface
    interface Source {
        int copy(long from, byte[] dst, int len);
    }

    /** A message's user buffers in order (struct iovec): a receive's destination, a send's source. */
    record Iov(MmStruct mm, long[] bases, long[] lens) {
        /** Copies {@code src[off, off + len)} to bytes [at, at + len) of the buffers: 0 or -EFAULT. */
        int copyOut(UserAccess uaccess, long at, byte[] src, int off, int len) {
            return move(uaccess, at, src, off, len, true);
        }

        /** Copies bytes [from, from + len) of the buffers into {@code dst[0, len)}: 0 or -EFAULT. */
        int copyIn(UserAccess uaccess, long from, byte[] dst, int len) {
            return move(uaccess, from, dst, 0, len, false);
        }

        /** Walks the segments that hold bytes [at, at + len) of the buffers, copying each piece one way. */
        private int move(UserAccess uaccess, long at, byte[] buf, int off, int len, boolean toUser) {
            long segStart = 0;
            int done = 0;
            for (int i = 0; i < bases.length && done < len; i++) {
                long segEnd = segStart + lens[i];
                long pos = at + done;
                if (pos < segEnd) {
                    int piece = (int) Math.min(len - done, segEnd - pos);
                    long va = bases[i] + (pos - segStart);
                    int r = toUser ? uaccess.copyToUser(mm, va, buf, off + done, piece)
                            : uaccess.copyFromUser(mm, buf, off + done, va, piece);
                    if (r < 0) return -Errno.EFAULT;
                    done += piece;
                }
                segStart = segEnd;
            }
            return 0;
        }

        long total() {
            long t = 0;
            for (long l : lens) t += l;
            return t;
        }
    }

    /** The socket behind a descriptor: sockfd_lookup_light()'s EBADF and ENOTSOCK as Integer, else the {@link OpenFile}. */
    private Object sockfdLookup(Task task, long fd) {
        OpenFile f = files.files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        return f.content() instanceof OpenFile.Socket ? f : (Object) (-ENOTSOCK);
    }

    private static UnixSock sock(OpenFile f) {
        return ((OpenFile.Socket) f.content()).sock();
    }

    /**
     * Models __sys_socketpair(), net/socket.c: the type's flags (EINVAL), two descriptors
     * (EMFILE), both numbers written to {@code sv} (EFAULT) before the sockets are made, then
     * __sock_create()'s family and type checks (EAFNOSUPPORT, EINVAL) and the family's own:
     * unix_create() (EPROTONOSUPPORT, ESOCKTNOSUPPORT; SOCK_RAW is a datagram socket) and, for
     * the internet families that exist but pair nothing, sock_no_socketpair() (EOPNOTSUPP). On an
     * error after the copy the numbers stay written, as on Linux.
     */
    long socketpair(Task task, int family, int type, int protocol, long sv) {
        int flags = type & ~SOCK_TYPE_MASK;
        if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -Errno.EINVAL;
        type &= SOCK_TYPE_MASK;
        FdTable t = files.files(task);
        int end = nofile.applyAsInt(task);
        // get_unused_fd_flags() twice: reserve the two lowest free numbers without installing anything.
        int fd1 = t.lowestFree(0, end);
        if (fd1 < 0) return fd1;
        int fd2 = t.lowestFree(fd1 + 1, end);
        if (fd2 < 0) return fd2;
        if (uaccess.putUserInt(task.mm(), sv, fd1) < 0 || uaccess.putUserInt(task.mm(), sv + 4, fd2) < 0) return -Errno.EFAULT;
        if (family < 0 || family >= NPROTO) return -EAFNOSUPPORT;
        if (type >= SOCK_MAX) return -Errno.EINVAL;
        if (family == AF_INET || family == AF_INET6) return -Errno.EOPNOTSUPP;
        if (family != AF_UNIX) return -EAFNOSUPPORT;
        // unix_create().
        if (protocol != 0 && protocol != AF_UNIX) return -EPROTONOSUPPORT;
        int kind = switch (type) {
            case UnixSock.SOCK_STREAM, UnixSock.SOCK_DGRAM, UnixSock.SOCK_SEQPACKET -> type;
            case SOCK_RAW -> UnixSock.SOCK_DGRAM;
            default -> -1;
        };
        if (kind < 0) return -ESOCKTNOSUPPORT;
        // unix_socketpair(): each the other's peer, both connected.
        UnixSock a = new UnixSock(kind, nextIno++), b = new UnixSock(kind, nextIno++);
        a.peer = b;
        b.peer = a;
        int fileFlags = FileSyscalls.O_RDWR | (flags & SOCK_NONBLOCK);
        boolean cloexec = (flags & SOCK_CLOEXEC) != 0;
        t.installAt(fd1, new OpenFile(new OpenFile.Socket(a), "socket:[" + a.ino() + "]", fileFlags), cloexec);
        t.installAt(fd2, new OpenFile(new OpenFile.Socket(b), "socket:[" + b.ino() + "]", fileFlags), cloexec);
        return 0;
    }

    /**
     * Models unix_release_sock(): the socket is dead and shut down; a stream or seqpacket peer is
     * shut down both ways and gets ECONNRESET if this socket dies with unread data; the unread
     * buffers are freed (their senders' send buffers recover) and every sleeper looks again.
     */
    static void release(OpenFile f, FileSyscalls.Sleeping sleeping) {
        if (!(f.content() instanceof OpenFile.Socket s)) return;
        UnixSock sk = s.sock();
        sk.shutdown = UnixSock.SHUTDOWN_MASK;
        sk.dead = true;
        UnixSock skpair = sk.peer;
        if (skpair != null && sk.connectionBased()) {
            skpair.shutdown = UnixSock.SHUTDOWN_MASK;
            if (!sk.receiveQueue.isEmpty()) skpair.err = ECONNRESET;
        }
        sk.peer = null;
        while (!sk.receiveQueue.isEmpty()) sockWfree(sk.receiveQueue.poll());
        sleeping.wakeAll();
    }

    /** Models sock_wfree(): a freed buffer gives its truesize back to its sender's send buffer. */
    private static void sockWfree(UnixSock.Skb skb) {
        skb.sender.wmemAlloc -= skb.truesize;
    }

    /** Models sock_error(): the pending error, cleared, as a negative errno; 0 if none. */
    private static int sockError(UnixSock sk) {
        int e = sk.err;
        sk.err = 0;
        return -e;
    }

    /** What sock_alloc_send_pskb() decides before it allocates: 0 to go on, a negative errno, or BLOCK. */
    private long sockAllocSendWait(Task task, UnixSock sk, boolean nonblock) {
        int e = sockError(sk);
        if (e != 0) return e;
        if ((sk.shutdown & UnixSock.SEND_SHUTDOWN) != 0) return -Errno.EPIPE;
        if (sk.wmemAlloc < SK_SNDBUF) return 0;
        if (nonblock) return -Errno.EAGAIN;
        return sleeping.signalPending(task) ? -Errno.ERESTARTSYS : LinuxSyscalls.BLOCK;
    }

    /** Queues {@code data} as one buffer from {@code sk} on {@code other}'s receive queue (skb_queue_tail() and sk_data_ready()). */
    private void queue(UnixSock sk, UnixSock other, byte[] data) {
        UnixSock.Skb skb = new UnixSock.Skb(data, sk, data.length + SKB_OVERHEAD);
        sk.wmemAlloc += skb.truesize;
        other.receiveQueue.add(skb);
        sleeping.wakeAll();
    }

    /**
     * Models sock_sendmsg() for a socket file: {@code n} bytes of {@code data}, with the call's
     * flags (O_NONBLOCK already folded into MSG_DONTWAIT) and whether an address was given.
     */
    long sendmsg(Task task, OpenFile f, Source data, long n, int flags, boolean hasAddr, byte[] addr) {
        UnixSock sk = sock(f);
        if ((f.flags() & Pipes.O_NONBLOCK) != 0) flags |= MSG_DONTWAIT;
        return switch (sk.type) {
            case UnixSock.SOCK_STREAM -> streamSendmsg(task, sk, data, n, flags, hasAddr);
            case UnixSock.SOCK_SEQPACKET -> {
                // unix_seqpacket_sendmsg(): the error, the connection, then as a datagram without address.
                int e = sockError(sk);
                if (e != 0) yield e;
                yield dgramSendmsg(task, sk, data, n, flags, false, null);
            }
            default -> dgramSendmsg(task, sk, data, n, flags, hasAddr, addr);
        };
    }

    /**
     * Models unix_stream_sendmsg(): EISCONN with an address; EPIPE (and SIGPIPE unless
     * MSG_NOSIGNAL) once this side cannot send or the peer cannot receive; then buffers of at
     * most half the send buffer while the send buffer has room, sleeping (or EAGAIN) when it has
     * none. Returns the bytes sent if any, else the error.
     */
    private long streamSendmsg(Task task, UnixSock sk, Source data, long n, int flags, boolean hasAddr) {
        if ((flags & MSG_OOB) != 0) return -Errno.EOPNOTSUPP;
        if (hasAddr) return -EISCONN;
        UnixSock other = sk.peer;
        if (other == null) return -ENOTCONN;
        UnixSock.Progress p = sk.progress(task, true, false);
        long sent = p == null ? 0 : p.done;
        if ((sk.shutdown & UnixSock.SEND_SHUTDOWN) != 0) return pipeErr(task, sk, p, sent, flags);
        while (sent < n) {
            long wait = sockAllocSendWait(task, sk, (flags & MSG_DONTWAIT) != 0);
            if (wait == LinuxSyscalls.BLOCK) {
                if (sent > 0) sk.progress(task, true, true).done = sent;
                return LinuxSyscalls.BLOCK;
            }
            if (wait < 0) {
                sk.finish(p);
                return sent > 0 ? sent : wait;
            }
            int size = (int) Math.min(n - sent, Math.min((SK_SNDBUF >> 1) - 64, STREAM_SKB_MAX));
            byte[] chunk = new byte[size];
            if (data.copy(sent, chunk, size) < 0) {
                sk.finish(p);
                return sent > 0 ? sent : -Errno.EFAULT;
            }
            if (other.dead || (other.shutdown & UnixSock.RCV_SHUTDOWN) != 0) return pipeErr(task, sk, p, sent, flags);
            queue(sk, other, chunk);
            sent += size;
        }
        sk.finish(p);
        return sent;
    }

    /** unix_stream_sendmsg()'s pipe_err: SIGPIPE unless something was sent or MSG_NOSIGNAL; the bytes sent, else EPIPE. */
    private long pipeErr(Task task, UnixSock sk, UnixSock.Progress p, long sent, int flags) {
        sk.finish(p);
        if (sent == 0 && (flags & MSG_NOSIGNAL) == 0) sleeping.send(task, Signo.SIGPIPE);
        return sent > 0 ? sent : -Errno.EPIPE;
    }

    /**
     * Models unix_dgram_sendmsg() for a pair's socket: an address is checked (unix_validate_addr():
     * EINVAL) and then names no socket here (nothing is bound: ECONNREFUSED for an abstract
     * name, ENOENT for a path); without one the peer (ENOTCONN once it is gone); EMSGSIZE above
     * the send buffer less 32; the send buffer's room (sleep, EAGAIN, EPIPE after SHUT_WR); the
     * copy (EFAULT); a dead peer (ECONNREFUSED, after which the socket has none; EPIPE for
     * seqpacket); a peer that shut down receiving (EPIPE). No SIGPIPE on this path.
     */
    private long dgramSendmsg(Task task, UnixSock sk, Source data, long n, int flags, boolean hasAddr, byte[] addr) {
        if ((flags & MSG_OOB) != 0) return -Errno.EOPNOTSUPP;
        UnixSock other;
        if (hasAddr) {
            if (addr.length <= SUN_PATH_OFFSET || addr.length > SOCKADDR_UN
                    || ((addr[0] & 0xff) | (addr[1] & 0xff) << 8) != AF_UNIX) return -Errno.EINVAL;
            other = null;
        } else {
            other = sk.peer;
            if (other == null) return -ENOTCONN;
        }
        if (n > SK_SNDBUF - 32) return -EMSGSIZE;
        long wait = sockAllocSendWait(task, sk, (flags & MSG_DONTWAIT) != 0);
        if (wait != 0) return wait;
        byte[] msg = new byte[(int) n];
        if (data.copy(0, msg, msg.length) < 0) return -Errno.EFAULT;
        if (other == null) return addr[SUN_PATH_OFFSET] == 0 ? -ECONNREFUSED : -Errno.ENOENT;
        if (other.dead) {
            if (sk.type == UnixSock.SOCK_SEQPACKET) return -Errno.EPIPE;
            sk.peer = null; // unix_dgram_disconnected(): TCP_CLOSE
            return -ECONNREFUSED;
        }
        if ((other.shutdown & UnixSock.RCV_SHUTDOWN) != 0) return -Errno.EPIPE;
        queue(sk, other, msg);
        return n;
    }

    /**
     * Models sock_recvmsg() for a socket file into {@code iov}: the bytes received (with
     * MSG_TRUNC in the flags, a datagram's whole length), and {@code msgFlags[0]} the msg_flags
     * the protocol reports.
     */
    long recvmsg(Task task, OpenFile f, Iov iov, int flags, int[] msgFlags) {
        UnixSock sk = sock(f);
        if ((f.flags() & Pipes.O_NONBLOCK) != 0) flags |= MSG_DONTWAIT;
        return sk.type == UnixSock.SOCK_STREAM ? streamRecvmsg(task, sk, iov, flags) : dgramRecvmsg(task, sk, iov, flags, msgFlags);
    }

    /**
     * Models unix_stream_read_generic(): bytes across buffers until the room is full or the queue
     * empty, once at least the target (one byte, or everything with MSG_WAITALL) is there; with an
     * empty queue, the bytes so far, else the pending error, EOF after shutdown, EAGAIN or sleep.
     * MSG_PEEK copies without consuming.
     */
    private long streamRecvmsg(Task task, UnixSock sk, Iov iov, int flags) {
        if ((flags & MSG_OOB) != 0) return -Errno.EINVAL; // unix_stream_recv_urg(): no out-of-band byte is ever queued
        long size = iov.total();
        long target = (flags & MSG_WAITALL) != 0 ? Math.max(size, 1) : 1;
        UnixSock.Progress p = sk.progress(task, false, false);
        long copied = p == null ? 0 : p.done;
        boolean peek = (flags & MSG_PEEK) != 0;
        var it = sk.receiveQueue.iterator();
        while (copied < size || size == 0) {
            UnixSock.Skb skb = peek ? (it.hasNext() ? it.next() : null) : sk.receiveQueue.peek();
            if (skb == null) {
                if (copied >= target) break;
                int e = sockError(sk);
                if (e != 0) return finishRecv(sk, p, copied, e);
                if ((sk.shutdown & UnixSock.RCV_SHUTDOWN) != 0) break;
                if ((flags & MSG_DONTWAIT) != 0) return finishRecv(sk, p, copied, -Errno.EAGAIN);
                if (sleeping.signalPending(task)) return finishRecv(sk, p, copied, -Errno.ERESTARTSYS); // sock_intr_errno()
                if (copied > 0) {
                    if (peek) return finishRecv(sk, p, copied, 0); // a peek cannot resume where it stopped
                    sk.progress(task, false, true).done = copied;
                }
                return LinuxSyscalls.BLOCK;
            }
            int chunk = (int) Math.min(skb.len(), size - copied);
            if (chunk > 0 && iov.copyOut(uaccess, copied, skb.data, skb.consumed, chunk) < 0) {
                return finishRecv(sk, p, copied, -Errno.EFAULT);
            }
            copied += chunk;
            if (size == 0) break;
            if (peek) continue;
            skb.consumed += chunk;
            if (skb.len() > 0) break;
            sockWfree(sk.receiveQueue.poll());
            sleeping.wakeAll();
        }
        return finishRecv(sk, p, copied, 0);
    }

    private static long finishRecv(UnixSock sk, UnixSock.Progress p, long copied, long err) {
        sk.finish(p);
        return copied > 0 ? copied : err;
    }

    /**
     * Models __unix_dgram_recvmsg() (and unix_seqpacket_recvmsg()): the pending error first, then
     * the first buffer whole, truncated to the room (MSG_TRUNC in msg_flags; with MSG_TRUNC in the
     * flags its whole length is returned), consumed unless MSG_PEEK, even when the copy faults.
     * With none: EAGAIN or sleep; 0 after this side's SHUT_RD when it would have slept, and for a
     * seqpacket socket shut down also when it would not.
     */
    private long dgramRecvmsg(Task task, UnixSock sk, Iov iov, int flags, int[] msgFlags) {
        if ((flags & MSG_OOB) != 0) return -Errno.EOPNOTSUPP;
        int e = sockError(sk);
        if (e != 0) return e;
        UnixSock.Skb skb = sk.receiveQueue.peek();
        if (skb == null) {
            boolean shut = (sk.shutdown & UnixSock.RCV_SHUTDOWN) != 0;
            if ((flags & MSG_DONTWAIT) != 0) return sk.type == UnixSock.SOCK_SEQPACKET && shut ? 0 : -Errno.EAGAIN;
            if (shut) return 0;
            return sleeping.signalPending(task) ? -Errno.ERESTARTSYS : LinuxSyscalls.BLOCK;
        }
        if ((flags & MSG_PEEK) == 0) {
            sockWfree(sk.receiveQueue.poll());
            sleeping.wakeAll();
        }
        long room = iov.total();
        int size = skb.data.length;
        if (room < size) {
            msgFlags[0] |= MSG_TRUNC;
            size = (int) room;
        }
        if (size > 0 && iov.copyOut(uaccess, 0, skb.data, 0, size) < 0) return -Errno.EFAULT;
        return (flags & MSG_TRUNC) != 0 ? skb.data.length : size;
    }

    /** Models unix_shutdown(): EINVAL for another {@code how}; a stream or seqpacket peer learns the other half. */
    long shutdown(Task task, long fd, int how) {
        Object o = sockfdLookup(task, fd);
        if (o instanceof Integer e) return e;
        UnixSock sk = sock((OpenFile) o);
        int mode = how + 1; // SHUT_RD, SHUT_WR, SHUT_RDWR -> RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK
        if (how < 0 || mode > UnixSock.SHUTDOWN_MASK) return -Errno.EINVAL;
        sk.shutdown |= mode;
        UnixSock other = sk.peer;
        if (other != null && sk.connectionBased()) {
            int peerMode = ((mode & UnixSock.RCV_SHUTDOWN) != 0 ? UnixSock.SEND_SHUTDOWN : 0)
                    | ((mode & UnixSock.SEND_SHUTDOWN) != 0 ? UnixSock.RCV_SHUTDOWN : 0);
            other.shutdown |= peerMode;
        }
        sleeping.wakeAll();
        return 0;
    }

    /**
     * Models move_addr_to_kernel(): an address of {@code len} bytes at {@code uaddr} (EINVAL above
     * sockaddr_storage or negative, EFAULT), or null for none.
     */
    private Object moveAddrToKernel(MmStruct mm, long uaddr, int len) {
        if (len < 0 || len > SOCKADDR_STORAGE) return -Errno.EINVAL;
        byte[] a = new byte[len];
        if (len > 0 && uaccess.copyFromUser(mm, a, 0, uaddr, len) < 0) return -Errno.EFAULT;
        return a;
    }

    /** A single user buffer as a send's source. */
    private Source userBuffer(MmStruct mm, long buf) {
        return (from, dst, len) -> uaccess.copyFromUser(mm, dst, 0, buf + from, len) < 0 ? -Errno.EFAULT : 0;
    }

    /**
     * Models __sys_sendto(): the buffer's range (import_ubuf(): EFAULT), the descriptor (EBADF,
     * ENOTSOCK), the address if any, then the send; the count is capped at MAX_RW_COUNT.
     */
    long sendto(Task task, long fd, long buf, long len, int flags, long addr, int addrLen) {
        long n = Math.min(len, ReadWrite.MAX_RW_COUNT);
        if (!ReadWrite.accessOk(buf, n)) return -Errno.EFAULT;
        Object o = sockfdLookup(task, fd);
        if (o instanceof Integer e) return e;
        byte[] address = null;
        if (addr != 0) {
            Object a = moveAddrToKernel(task.mm(), addr, addrLen);
            if (a instanceof Integer e) return e;
            address = (byte[]) a;
        }
        return sendmsg(task, (OpenFile) o, userBuffer(task.mm(), buf), n, flags, address != null && address.length > 0, address);
    }

    /**
     * Models __sys_recvfrom(): the buffer's range (EFAULT), the descriptor (EBADF, ENOTSOCK), the
     * receive, then the sender's address: a pair's sockets are unbound, so the length written back
     * is 0 (move_addr_to_user(): EFAULT, EINVAL for a negative length).
     */
    long recvfrom(Task task, long fd, long buf, long len, int flags, long addr, long addrLenPtr) {
        long n = Math.min(len, ReadWrite.MAX_RW_COUNT);
        if (!ReadWrite.accessOk(buf, n)) return -Errno.EFAULT;
        Object o = sockfdLookup(task, fd);
        if (o instanceof Integer e) return e;
        long r = recvmsg(task, (OpenFile) o, new Iov(task.mm(), new long[] {buf}, new long[] {n}), flags, new int[1]);
        if (r >= 0 && addr != 0) {
            long e = moveAddrToUser(task.mm(), addrLenPtr);
            if (e < 0) return e;
        }
        return r;
    }

    /** move_addr_to_user() of an empty address: the length read (EFAULT, EINVAL if negative) and 0 written back. */
    private long moveAddrToUser(MmStruct mm, long ulen) {
        long len = uaccess.getUserInt(mm, ulen, Long.MIN_VALUE);
        if (len == Long.MIN_VALUE) return -Errno.EFAULT;
        if ((int) len < 0) return -Errno.EINVAL;
        return uaccess.putUserInt(mm, ulen, 0) < 0 ? -Errno.EFAULT : 0;
    }

    /** struct user_msghdr, read by copy_msghdr_from_user(). */
    private record MsgHdr(long name, int namelen, long iov, long iovlen, long control, long controllen) {}

    private Object copyMsghdr(MmStruct mm, long msg) {
        byte[] b = new byte[MSGHDR_SIZE];
        if (uaccess.copyFromUser(mm, b, 0, msg, b.length) < 0) return -Errno.EFAULT;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        MsgHdr h = new MsgHdr(bb.getLong(0), bb.getInt(8), bb.getLong(16), bb.getLong(24), bb.getLong(32), bb.getLong(40));
        if (h.namelen < 0 || h.namelen > SOCKADDR_STORAGE) return -Errno.EINVAL;
        if (Long.compareUnsigned(h.iovlen, ReadWrite.UIO_MAXIOV) > 0) return -EMSGSIZE;
        return h;
    }

    /**
     * The iovecs of a message or of readv() on a socket (import_iovec()): EFAULT when the array cannot
     * be read; EINVAL for any negative length, checked over the whole array while it is copied
     * (copy_iovec_from_user()) before any buffer is (so a negative length after a bad buffer is
     * EINVAL); then EFAULT for a buffer outside the user range at its full length, and the lengths
     * capped so that the total stays within MAX_RW_COUNT (__import_iovec()).
     */
    Object importIovec(MmStruct mm, long iov, int iovlen) {
        byte[] vec = new byte[iovlen * 16];
        if (iovlen > 0 && uaccess.copyFromUser(mm, vec, 0, iov, vec.length) < 0) return -Errno.EFAULT;
        ByteBuffer bb = ByteBuffer.wrap(vec).order(ByteOrder.LITTLE_ENDIAN);
        long[] bases = new long[iovlen], lens = new long[iovlen];
        for (int i = 0; i < iovlen; i++) {
            bases[i] = bb.getLong(16 * i);
            lens[i] = bb.getLong(16 * i + 8);
            if (lens[i] < 0) return -Errno.EINVAL;
        }
        long total = 0;
        for (int i = 0; i < iovlen; i++) {
            if (!ReadWrite.accessOk(bases[i], lens[i])) return -Errno.EFAULT;
            lens[i] = Math.min(lens[i], ReadWrite.MAX_RW_COUNT - total);
            total += lens[i];
        }
        return new Iov(mm, bases, lens);
    }

    /**
     * Models __sys_sendmsg(): the descriptor (EBADF, ENOTSOCK), the message header (EFAULT,
     * EINVAL for a bad name length, EMSGSIZE above UIO_MAXIOV iovecs), the address, the iovecs;
     * control messages (SCM_RIGHTS, SCM_CREDENTIALS) are not modelled: EINVAL.
     */
    long sendmsgSyscall(Task task, long fd, long msg, int flags) {
        Object o = sockfdLookup(task, fd);
        if (o instanceof Integer e) return e;
        Object hh = copyMsghdr(task.mm(), msg);
        if (hh instanceof Integer e) return e;
        MsgHdr h = (MsgHdr) hh;
        byte[] address = null;
        if (h.name != 0 && h.namelen > 0) {
            Object a = moveAddrToKernel(task.mm(), h.name, h.namelen);
            if (a instanceof Integer e) return e;
            address = (byte[]) a;
        }
        Object io = importIovec(task.mm(), h.iov, (int) h.iovlen);
        if (io instanceof Integer e) return e;
        if (h.controllen != 0) return Long.compareUnsigned(h.controllen, Integer.MAX_VALUE) > 0 ? -ENOBUFS : -Errno.EINVAL;
        Iov iov = (Iov) io;
        return sendmsg(task, (OpenFile) o, (from, dst, len) -> iov.copyIn(uaccess, from, dst, len), iov.total(), flags & ~MSG_CMSG_COMPAT, address != null, address);
    }

    /**
     * Models __sys_recvmsg(): the descriptor, the header, the iovecs, the receive; then the
     * header's msg_namelen (0: the sender is unbound), msg_controllen (0: no control messages) and
     * msg_flags are written back (EFAULT).
     */
    long recvmsgSyscall(Task task, long fd, long msg, int flags) {
        Object o = sockfdLookup(task, fd);
        if (o instanceof Integer e) return e;
        Object hh = copyMsghdr(task.mm(), msg);
        if (hh instanceof Integer e) return e;
        MsgHdr h = (MsgHdr) hh;
        Object io = importIovec(task.mm(), h.iov, (int) h.iovlen);
        if (io instanceof Integer e) return e;
        int[] msgFlags = new int[1];
        long r = recvmsg(task, (OpenFile) o, (Iov) io, flags & ~MSG_CMSG_COMPAT, msgFlags);
        if (r < 0) return r;
        MmStruct mm = task.mm();
        if (h.name != 0 && uaccess.putUserInt(mm, msg + 8, 0) < 0) return -Errno.EFAULT;
        if (uaccess.putUserInt(mm, msg + 48, msgFlags[0]) < 0 || uaccess.putUserLong(mm, msg + 40, 0) < 0) return -Errno.EFAULT;
        return r;
    }
}

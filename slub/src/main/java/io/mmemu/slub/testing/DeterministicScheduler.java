package io.mmemu.slub.testing;

import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.SchedHook;
import io.mmemu.slub.SchedPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs several tasks, each bound to an emulated CPU, one step at a time in an order chosen
 * by a {@link Policy}, so that a test can interleave fast paths at any {@link SchedPoint}:
 * preempt a task between its tid read and its exchange, migrate it, or run another task's
 * free on the same CPU in between.
 *
 * <p>How: every task runs on its own host thread, but only the thread holding the baton runs.
 * A task gives the baton back at each {@link SchedPoint} (through the {@link SchedHook} this
 * scheduler installs on its binding) and when it finishes; the scheduler then asks the
 * policy which task continues, and the policy may migrate bindings before answering. Since
 * exactly one thread runs at a time and every hand-over goes through a semaphore (which
 * orders memory), a run depends only on the policy: a seeded policy replays bit for bit.
 * The allocator holds no lock at a scheduling point, so a parked task never blocks another;
 * task bodies must keep to the same rule and not call the allocator while holding a lock or
 * monitor that another task may want.
 */
public final class DeterministicScheduler {
    /** Chooses the task that runs next. */
    @FunctionalInterface
    public interface Policy {
        /**
         * Chooses the next task to run.
         *
         * @param step     hand-overs so far
         * @param current  the task that just stopped, or -1 at the start
         * @param point    where it stopped, or null if it finished (or at the start)
         * @param runnable indices of unfinished tasks, ascending
         * @return one of {@code runnable}
         */
        int next(int step, int current, SchedPoint point, int[] runnable);
    }

    /**
     * Picks uniformly among runnable tasks with a generator seeded by {@code seed}.
     *
     * @param seed the generator's seed
     * @return the policy
     */
    public static Policy random(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        return (step, current, point, runnable) -> runnable[rnd.nextInt(runnable.length)];
    }

    /** {@return a policy that keeps the current task running until it finishes (no interleaving)} */
    public static Policy runToCompletion() {
        return (step, current, point, runnable) -> {
            for (int r : runnable) {
                if (r == current) {
                    return r;
                }
            }
            return runnable[0];
        };
    }

    private final class Task {
        final int id;
        final String name;
        final CpuBinding binding;
        final Consumer<CpuBinding> body;
        final Semaphore go = new Semaphore(0);
        volatile boolean done;
        SchedPoint lastPoint;
        Throwable failure;
        Thread thread;

        Task(int id, String name, CpuBinding binding, Consumer<CpuBinding> body) {
            this.id = id;
            this.name = name;
            this.binding = binding;
            this.body = body;
        }
    }

    private final List<Task> tasks = new ArrayList<>();
    private final Semaphore baton = new Semaphore(0);
    private final List<String> trace = new ArrayList<>();
    private final long stepTimeoutSeconds;

    /** A scheduler that declares a task stuck after it runs 60 seconds without handing over. */
    public DeterministicScheduler() {
        this(60);
    }

    /**
     * A scheduler with a given timeout per step.
     *
     * @param stepTimeoutSeconds how long one task may run before it is declared stuck
     */
    public DeterministicScheduler(long stepTimeoutSeconds) {
        this.stepTimeoutSeconds = stepTimeoutSeconds;
    }

    /**
     * Adds a task running {@code body} on {@code binding}; returns its index. The scheduler
     * owns the binding's hook from now on.
     *
     * @param name    the task's name, in the trace
     * @param binding the task's CPU binding
     * @param body    the task's code
     * @return the task's index, from 0 in spawn order
     */
    public int spawn(String name, CpuBinding binding, Consumer<CpuBinding> body) {
        Task t = new Task(tasks.size(), name, binding, body);
        binding.setHook((point, cache, b) -> {
            synchronized (trace) {
                trace.add(t.name + "@cpu" + b.cpu() + " " + point + " " + cache.name());
            }
            t.lastPoint = point;
            baton.release();
            t.go.acquireUninterruptibly();
        });
        tasks.add(t);
        return t.id;
    }

    /**
     * The binding of task {@code i}, e.g. to migrate it from a policy.
     *
     * @param i a task index
     * @return its binding
     */
    public CpuBinding binding(int i) {
        return tasks.get(i).binding;
    }

    /** {@return every scheduling point reached so far, in order: "task@cpuN POINT cache"} */
    public List<String> trace() {
        synchronized (trace) {
            return List.copyOf(trace);
        }
    }

    /**
     * Runs all tasks to completion under {@code policy}. A task's exception is rethrown
     * (wrapped in an {@link AssertionError} if checked) after all tasks have stopped.
     *
     * @param policy chooses the task that runs at each scheduling point
     */
    public void run(Policy policy) {
        for (Task t : tasks) {
            t.thread = new Thread(() -> {
                t.go.acquireUninterruptibly();
                try {
                    t.body.accept(t.binding);
                } catch (Throwable e) {
                    t.failure = e;
                } finally {
                    t.done = true;
                    t.binding.setHook(null);
                    baton.release();
                }
            }, "sched-" + t.name);
            t.thread.setDaemon(true);
            t.thread.start();
        }
        int current = -1;
        SchedPoint point = null;
        int step = 0;
        for (;;) {
            int[] runnable = tasks.stream().filter(t -> !t.done).mapToInt(t -> t.id).toArray();
            if (runnable.length == 0) {
                break;
            }
            int next = policy.next(step++, current, point, runnable);
            Task t = tasks.get(next);
            if (t.done) {
                throw new IllegalStateException("policy chose finished task " + t.name);
            }
            t.go.release();
            try {
                if (!baton.tryAcquire(stepTimeoutSeconds, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("task " + t.name + " did not reach a scheduling point in "
                            + stepTimeoutSeconds + " s; trace tail: " + tail());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            current = next;
            point = t.done ? null : t.lastPoint;
        }
        for (Task t : tasks) {
            try {
                t.thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Task t : tasks) {
            if (t.failure instanceof RuntimeException r) {
                throw r;
            }
            if (t.failure instanceof Error err) {
                throw err;
            }
            if (t.failure != null) {
                throw new AssertionError("task " + t.name + " failed", t.failure);
            }
        }
    }

    private String tail() {
        List<String> tr = trace();
        return tr.subList(Math.max(0, tr.size() - 5), tr.size()).toString();
    }
}

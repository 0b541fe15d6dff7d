package io.mmemu.fault;

/**
 * What fault injection reads and writes of a task: its /proc/PID/make-it-fail flag (for
 * task-filter) and its fail-nth countdown (/proc/PID/fail-nth, struct task_struct's fail_nth).
 */
public interface FaultTask {
    /** {@return whether the task opted in to task-filtered injection (/proc/PID/make-it-fail)} */
    boolean makeItFail();

    /** {@return the task's fail-nth countdown: the call that fails when it reaches 0, or 0 for none} */
    int failNth();

    /**
     * Sets the fail-nth countdown.
     *
     * @param n the new value, 0 for none
     */
    void setFailNth(int n);
}

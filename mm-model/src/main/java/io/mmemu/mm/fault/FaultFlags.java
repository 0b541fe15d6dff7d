package io.mmemu.mm.fault;

/** FAULT_FLAG_* (include/linux/mm_types.h) that the model uses, and VM_FAULT_* results. */
final class FaultFlags {
    private FaultFlags() {}

    static final int FAULT_FLAG_WRITE = 0x01;
    static final int FAULT_FLAG_USER = 0x40;
    static final int FAULT_FLAG_INSTRUCTION = 0x100;

    static final int VM_FAULT_OK = 0;
    static final int VM_FAULT_OOM = 0x0001;
    static final int VM_FAULT_SIGBUS = 0x0002;
    static final int VM_FAULT_SIGSEGV = 0x0040;
    /** The fault was not resolved: the task waits in handle_userfault() and then re-executes the access. */
    static final int VM_FAULT_RETRY = 0x0400;
}

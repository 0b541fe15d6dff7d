/**
 * A thin, typed Java binding of the Unicorn 2.1 C API over {@code java.lang.foreign}.
 *
 * <p>{@link io.mmemu.emulator.unicorn.UnicornNative} holds the method handles, looked up once;
 * {@link io.mmemu.emulator.unicorn.Unicorn} is the facade the rest of mmemu imports. It turns
 * {@code uc_err} codes into {@link io.mmemu.emulator.unicorn.UnicornException} (carrying
 * {@code uc_strerror}'s text) and wraps every hook so that no Java exception ever reaches native
 * code: a hook that throws records the exception, stops the engine, and the exception is raised
 * from {@link io.mmemu.emulator.unicorn.Unicorn#emuStart} on the Java side.
 *
 * <p>Upcall signatures declare C pointers as {@code long}: on x86-64 SysV both travel in the same
 * integer registers, and a {@code long} costs no {@code MemorySegment} allocation per call, which
 * matters on the TLB-fill path (one upcall per Unicorn TLB miss).
 *
 * <p>Threading: an engine is driven by one thread at a time; its scratch buffers are not shared.
 */
package io.mmemu.emulator.unicorn;

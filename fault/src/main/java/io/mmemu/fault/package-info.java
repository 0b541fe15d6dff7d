/**
 * Fault injection: Linux's fault_attr attributes per point ({@link io.mmemu.fault.FaultAttr}),
 * the per-machine {@link io.mmemu.fault.FaultInjector} that numbers every call of every point,
 * decides, reports and records, and the {@link io.mmemu.fault.FaultSchedule} a replay fails
 * exactly. The points' code lives where the points are (slub, mm-model, tlb, kernel).
 */
package io.mmemu.fault;

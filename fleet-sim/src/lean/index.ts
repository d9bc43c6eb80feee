/**
 * Lean mode: thousands of simulated devices per process that speak the agent's protocol, spread
 * over child processes, driven by given/when/then scenario files. See README.md beside this file.
 */
export { LeanFleet, mergeTallies, type LeanFleetOptions } from './lean-fleet';
export { LeanProcess, leanOptionsSchema, deviceCommandSchema, type DeviceCommand, type LeanOptions, type LeanOptionsInput, type ProcessTally, type VersionTally } from './lean-process';
export type { DeviceSnapshot, DeviceTimings, FaultKind, LeanDeviceSpec, SeqTiming, SessionTiming } from './device-types';
export { driftSchema, groupSpecSchema, type Drift, type GroupSpec, type GroupSpecInput } from './inputs';
export { AdminApi, enrolDevices, inBatches, pinDevices, putRings, trainMachineVersion, type Enrolment, type MachineVersion } from './hub-api';
export { connectTimes, delaysAfter, percentiles, resolveSelect, type FleetMember, type Percentiles } from './measures';
export { defineScenario, scenarioSchema, type Scenario, type ScenarioInput } from './scenario';
export { runScenario, type ExpectationReport, type ScenarioHooks, type ScenarioReport, type StepReport } from './runner';
export * as scenarios from './scenarios';

export { startWindowsJob, WINDOWS_JOB_NAME, type WindowsJob, type WindowsJobDeps } from './windows-job.ts';
export { WindowsConfigSchema, type WindowsConfig, type WindowsConfigInput } from './config.ts';
export { WindowEngine, specFingerprint, specTopics, type EngineSnapshot, type EngineOutcome } from './window-engine.ts';
export { SpecWindows, type SpecWindowView, type SpecChanges } from './spec-windows.ts';
export { configuredSpecs, memberSpecs, memberOf, groupIdOf } from './spec-selection.ts';

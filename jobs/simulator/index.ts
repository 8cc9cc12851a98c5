export { createSimulator, type Simulator, type SimulatorDeps, type SimulatorOptions, type SimulatorStats } from './simulator.ts';
export { SimulatorConfigSchema, type SimulatorConfig, type SimulatorConfigInput } from './config.ts';
export { mulberry32, mixSeed, Rng } from './prng.ts';

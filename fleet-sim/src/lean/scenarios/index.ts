/** Example scenarios (given / when / then as zod-checked TS objects). */
export { driftRolloutRollback } from './drift-rollout-rollback';
export { faultsAndHubRestart } from './faults-and-hub-restart';
export { storm10k } from './storm-10k';

export { setFusedOps, fusedOpsActive } from './fusedOps';

export { setFusedOps, fusedOpsActive } from './fusedOps';
export { selectColumns, selectRows } from './select';

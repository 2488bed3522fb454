// The Messenger contracts moved to src/domain/messenger/contracts.ts (lower layers depend on
// them); this name stays for the adapters' and tests' existing imports.
export type * from '../../domain/messenger/contracts.ts';

export const ROOT: string;
export const STAMP_NAME: string;
export function sourceState(root?: string): { newest: number; files: number };
export function buildIsCurrent(root?: string): boolean;
export function copyPlainModules(root?: string): void;

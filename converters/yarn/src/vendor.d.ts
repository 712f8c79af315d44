// Types for @yarnpkg/lockfile, which ships none.
declare module '@yarnpkg/lockfile' {
  export type LockValue = string | number | boolean | { [key: string]: LockValue };
  export interface ParseResult {
    type: 'success' | 'merge' | 'conflict';
    object: Record<string, Record<string, LockValue>>;
  }
  export function parse(text: string, file?: string): ParseResult;
  export function stringify(obj: unknown): string;
  const lockfile: { parse: typeof parse; stringify: typeof stringify };
  export default lockfile;
}

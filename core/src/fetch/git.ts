import type { FetchedTree, GitRequest } from './types.ts';
import type { DownloadCache } from './cache.ts';
import type { Reporter } from '../report.ts';
import { UsageError } from '../errors.ts';
export interface GitOptions { offline: boolean; reporter: Reporter; retries: number; backoffMs: number; maxDelayMs: number; timeoutMs: number; signal?: AbortSignal }
export async function fetchGitTree(_cache: DownloadCache, req: GitRequest, _o: GitOptions): Promise<FetchedTree> {
  throw new UsageError(`${req.pkg}: git fetching is not implemented yet (${req.url})`);
}

import type { FetchedFile, FetchedTree } from './types.ts';
import type { DownloadCache } from './cache.ts';
import { UsageError } from '../errors.ts';
export async function unpackArchive(_cache: DownloadCache, file: FetchedFile, pkg: string): Promise<FetchedTree> {
  throw new UsageError(`${pkg}: archive unpacking is not implemented yet (${file.url})`);
}

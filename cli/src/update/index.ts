// `lock2nix update`: regenerate, diff against the previous output, report (table, Markdown, JSON).
export { runUpdate, type UpdateOptions, type UpdateResult } from './run.ts';
export { diffData, compareVersions, countChanges, describeSource, type ChangeKind, type OutputDiff, type PackageChange } from './diff.ts';
export { readDataFile, mayHavePinnedEntries, parseNixData, fetchIdentity, DataFileError, type DataEntry, type DataFile, type NixValue } from './data.ts';
export { formatTable, formatMarkdown, formatCommitBody, toJson, summaryLine, hasChanges, MAX_BODY, type UpdateReport } from './format.ts';

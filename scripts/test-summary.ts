// Prints the plain closing line "N passed, N failed, N skipped" from vitest's JSON report,
// and lists every skipped test with its reason so a missing tool is visible in the output.
import { readFileSync } from 'node:fs';

interface Assertion { status: string; fullName: string; failureMessages?: string[] }
interface Report { testResults: { name: string; assertionResults: Assertion[] }[] }

const file = process.argv[2] ?? '.cache/vitest-report.json';
let report: Report;
try {
  report = JSON.parse(readFileSync(file, 'utf8')) as Report;
} catch (e) {
  console.error(`test-summary: no report at ${file}: ${(e as Error).message}`);
  process.exit(1);
}
let passed = 0, failed = 0, skipped = 0;
for (const suite of report.testResults) {
  for (const a of suite.assertionResults) {
    if (a.status === 'passed') passed++;
    else if (a.status === 'failed') failed++;
    else { skipped++; console.log(`skipped: ${a.fullName}`); }
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

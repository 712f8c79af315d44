// The action's entry point (bundled into dist/index.js): read the inputs, run, set the outputs. A failure
// marks the step failed with the message; the token is masked in every log line.
import * as core from '@actions/core';
import { parseInputs } from './inputs.ts';
import { runAction } from './run.ts';

export async function main(): Promise<void> {
  try {
    const inputs = parseInputs((name) => core.getInput(name));
    core.setSecret(inputs.token);
    const { outputs, summary } = await runAction(inputs, { env: process.env, log: { info: (m) => core.info(m), warning: (m) => core.warning(m) } });
    for (const [k, v] of Object.entries(outputs)) core.setOutput(k, v);
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(summary).write();
  } catch (e) {
    core.setFailed(e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e));
  }
}

await main();

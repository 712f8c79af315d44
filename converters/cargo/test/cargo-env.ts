// Running the real cargo in tests, cut off from the machine's registry settings: its own CARGO_HOME (a
// temp folder holding only the config the test writes), no CARGO_* variables from outside, and the
// toolchain binaries called directly (the rustup proxies would look at CARGO_HOME).

import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

let toolchain: { cargo: string; rustc: string } | undefined | null;

/** The real cargo and rustc (through `rustup which` when rustup is there). */
export function cargoTools(): { cargo: string; rustc: string } | undefined {
  if (toolchain !== undefined) return toolchain ?? undefined;
  const which = (t: string) => {
    const r = spawnSync('rustup', ['which', t], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : t;
  };
  const cargo = which('cargo');
  const ok = spawnSync(cargo, ['--version'], { stdio: 'ignore' }).status === 0;
  toolchain = ok ? { cargo, rustc: which('rustc') } : null;
  return toolchain ?? undefined;
}

/** process.env without any Cargo setting, plus a private CARGO_HOME. */
export function isolatedEnv(cargoHome: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CARGO_') && k !== 'RUSTC_WRAPPER' && k !== 'RUSTC') env[k] = v;
  const t = cargoTools();
  return { ...env, CARGO_HOME: cargoHome, ...(t ? { RUSTC: t.rustc } : {}), CARGO_TERM_COLOR: 'never', ...extra };
}

export async function cargo(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const t = cargoTools();
  if (!t) throw new Error('cargo is not installed');
  try {
    const { stdout } = await run(t.cargo, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`cargo ${args.join(' ')} failed:\n${(err.stderr ?? err.message).slice(-4000)}`);
  }
}

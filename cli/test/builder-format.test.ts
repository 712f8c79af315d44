// Every core builder reads data format 3 only: the data of an earlier lock2nix (a legacy `.nix` data file, format
// 2) stops evaluation with a message that says to run lock2nix again, whichever way the builder is reached.
import { describe, expect } from 'vitest';
import { nixInstantiate, testWithTools, TEMPLATES_DIR, TEST_PKGS } from '@lock2nix/fixtures';

const ARGS: Record<string, string> = { yarn: '', cargo: '', nuget: '', poetry: 'pythonVersion = "3.11";' };

describe('core builders and the data format', () => {
  for (const [eco, extra] of Object.entries(ARGS)) {
    testWithTools(['nix-instantiate'], `lib/${eco}.nix refuses format 2 data, asking to run lock2nix ${eco} again`, async () => {
      const lock = `{ format = 2; ecosystem = "${eco}"; lockfile = { name = "x"; format = "x"; hash = "x"; }; meta = { packages = [ ]; sources = { }; registries = { }; }; artifacts = { }; }`;
      const expr = `(import ${TEST_PKGS} { }).callPackage ${TEMPLATES_DIR}lib/${eco}.nix { lock = ${lock}; ${extra} }`;
      await expect(nixInstantiate(expr)).rejects.toThrow(new RegExp(`format 3.*got 2|format 3 but the data file has format 2`));
      await expect(nixInstantiate(expr)).rejects.toThrow(new RegExp(`run \`lock2nix ${eco}\` again`));
    });
  }
});

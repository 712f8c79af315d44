// How the command line sets up Node before loading anything else; cli/bin/lock2nix.js and the benchmark's
// child process (bench/child.ts) both call it, so that `pnpm bench` measures what users run. Plain JavaScript:
// a .ts file imported before the compile cache is on would load Node's type stripper (about 20 MB).
import module from 'node:module';
import v8 from 'node:v8';

export function setUpRuntime() {
  // Keep V8's young generation at its starting size instead of letting it double up to 32 MB per semi-space
  // while a large lockfile's data is built: that growth was most of the peak memory of a big conversion
  // (yarn.lock v1 with 10,000 entries: about 250 -> 160 MB), and the smaller scavenges cost no more CPU in
  // alternating runs. The growth factor is the one young-generation setting V8 reads after start-up
  // (--max-semi-space-size only works on the node command line).
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  // Cache Node's compiled code (including the type-stripped sources) between runs: faster start, less memory.
  module.enableCompileCache?.();
}

/**
 * From the first download on, let the young generation grow again (V8's default factor): each download's short-lived
 * objects then die young instead of being copied from scavenge to scavenge every few hundred KB. On 1,000
 * downloads the main thread spent 70-90 ms in GC instead of 100-140 ms, for 3-9 MB more peak memory. Conversions
 * that download nothing (the large offline ones) keep the small young generation.
 */
export function growYoungGeneration() {
  v8.setFlagsFromString('--semi-space-growth-factor=2');
}

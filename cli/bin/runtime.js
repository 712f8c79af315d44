// How the command line sets up Node before loading anything else; cli/bin/lock2nix.js and the benchmark's
// child process (bench/child.ts) both call it, so that `pnpm bench` measures what users run. Plain JavaScript:
// a .ts file imported before the compile cache is on would load Node's type stripper (about 20 MB).
import module from 'node:module';

export function setUpRuntime() {
  // Cache Node's compiled code (including the type-stripped sources) between runs: faster start, less memory.
  module.enableCompileCache?.();
}

/*
 * V8's young generation during a conversion. A V8 flag set at run time changes V8's flag hash, and code compiled
 * under another hash is not taken from a code cache: Node's own modules (whose code cache is built in) and those in
 * the compile cache are then compiled afresh as they load. Setting the flag below at start-up, before lock2nix's
 * modules and Node's were loaded, made loading them cost about a third more (undici's dispatcher alone: 283M
 * against 398M instructions; 1,000 downloads: 4.1-4.2G against 4.3G). So the flag is set only once the modules
 * are loaded, when the conversion starts, and put back to V8's default before undici loads (at the first download).
 * node:v8 itself is loaded only then.
 */

/**
 * Keep V8's young generation at the size it reached while the modules loaded, instead of letting it double up to
 * 32 MB per semi-space while a large lockfile's data is built: that growth was most of the peak memory of a big
 * conversion. Without the flag, yarn.lock v1 with 10,000 entries peaked at about 160 MB and poetry.lock with 500 × 30
 * files at 185 MB; with it set here, 121 and 154 MB (set at start-up, 118 and 136 MB). The price is more scavenges:
 * about 160 ms of the 10,000-entry yarn conversion's profile is GC. The growth factor is the one young-generation
 * setting V8 reads after start-up (--max-semi-space-size only works on the node command line).
 */
export function keepYoungGenerationSmall() {
  process.getBuiltinModule('node:v8').setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * From the first download on, let the young generation grow again (V8's default factor): each download's short-lived
 * objects then die young instead of being copied from scavenge to scavenge every few hundred KB. On 1,000
 * downloads the main thread spent 70-90 ms in GC instead of 100-140 ms, for 3-9 MB more peak memory. Conversions
 * that download nothing (the large offline ones) keep the small young generation.
 */
export function growYoungGeneration() {
  process.getBuiltinModule('node:v8').setFlagsFromString('--semi-space-growth-factor=2');
}

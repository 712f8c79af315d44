#!/usr/bin/env bash
# README command (1): set up, run lock2nix on the bundled example project, and print where the Nix output went.
# The example's Cargo.lock states a sha256 for every crate, so --offline pins everything with no download.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/setup.sh"
EXAMPLE="$ROOT/examples/hello-rust"
OUT="$EXAMPLE/lock2nix"
cd "$EXAMPLE"
node "$ROOT/cli/bin/lock2nix.js" cargo --offline --out "$OUT"
# Check that Nix accepts what was written: instantiate the vendor directory's derivation (no build, no network).
# Users pass nixpkgs' callPackage; here lock2nix's minimal package set stands in for it.
drv=$(NIX_CONFIG='substituters =' nix-instantiate -E "
  let pkgs = import $ROOT/templates/test-support/pkgs.nix { };
  in (import $OUT/default.nix { inherit (pkgs) callPackage; }).cargo")
echo
echo "Nix output for examples/hello-rust is in: $OUT"
echo "  $OUT/cargo.json     pinned crates (data)"
echo "  $OUT/lib/cargo.nix  the core builder (vendor directory)"
echo "  $OUT/default.nix    { callPackage }: { cargo = <vendor directory>; }"
echo "nix-instantiate accepted it: $drv"

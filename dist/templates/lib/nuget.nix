# lock2nix core builder for NuGet: a local package source folder that `dotnet restore --source <folder>`
# (or a nuget.config entry pointing at it) reads with no network.
#
# Layout (NuGet's hierarchical local feed, as `nuget add` writes it), lower-cased id and version:
#   <id>/<version>/<id>.<version>.nupkg          the file the feed served, pinned by its own hash (a link to the fetch)
#   <id>/<version>/<id>.<version>.nupkg.sha512   base64 SHA-512 of that file
#   <id>/<version>/<id>.nuspec                   the package's manifest
#
# Input: `lock`, the data lock2nix generated from project.assets.json or packages.lock.json.
# Uses only builtins, POSIX shell tools, sha512sum/base64 (coreutils) and unzip.
{ fetchurl, runCommand, unzip ? null, lock }:
let
  supported = 3;
  checked =
    if (lock.format or 0) != supported then
      throw "lock2nix: nuget.nix reads generated data format ${toString supported}, got ${toString (lock.format or "none")}; run `lock2nix nuget` again"
    else if (lock.ecosystem or "") != "nuget" then
      throw "lock2nix: nuget.nix was given data for ${lock.ecosystem or "an unknown ecosystem"}"
    else lock;

  # a shell word that evaluates to exactly `s`
  quote = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] s + "'";

  # data format 3: `fetch` is fetchurl's own arguments; `type` is left out for a plain file (the only kind
  # placed here), `cachePath` when it is the key
  # format 3: an entry that could not be pinned has no hash but `unpinned`, the message to fail with when it
  # is fetched (and only then: an entry nothing uses costs nothing)
  fetchArgs = a: if a ? unpinned then throw a.unpinned else a.fetch;
  line = key: let a = checked.artifacts.${key}; in
    if a ? type then "" else "add ${quote (a.cachePath or key)} ${quote a.meta.lowerId} ${fetchurl (fetchArgs a)}";
  lines = map line (builtins.attrNames checked.artifacts);
in
runCommand "nuget-source" {
  nativeBuildInputs = if unzip == null then [ ] else [ unzip ];
  preferLocalBuild = true;
  allowSubstitutes = false;
} ''
  set -eu
  mkdir -p "$out"
  add() {
    dir="$out/$(dirname "$1")"
    mkdir -p "$dir"
    ln -s "$3" "$out/$1"
    hex=$(sha512sum "$3" | cut -d' ' -f1)
    printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" | base64 -w0 > "$out/$1.sha512"
    nuspec=$(unzip -Z1 "$3" | grep -v / | grep -i '\.nuspec$' | head -n 1 || true)
    if [ -n "$nuspec" ]; then unzip -p "$3" "$nuspec" > "$dir/$2.nuspec"; fi
  }
  ${builtins.concatStringsSep "\n  " lines}
''

# lock2nix core builder for Yarn: from the data lock2nix generated from a yarn.lock, one pinned fetch per
# package and a cheap derivation that assembles
# - classic (v1): Yarn 1's offline mirror, with the file names Yarn 1 itself looks for, so the lockfile is
#   used unchanged:  yarn config set yarn-offline-mirror <out>;  yarn install --offline --frozen-lockfile
# - Berry (v2+): Yarn's cache folder (the zips whose checksums the lockfile states). Copy it to .yarn/cache
#   (or point cacheFolder at a writable copy) and run  yarn install --immutable  with enableNetwork: false.
#   Git dependencies are pinned checkouts (GitHub ones: GitHub's archive of the commit, unpacked, as Yarn's
#   GitHub fetcher takes them), packed as `yarn pack` packs them and zipped (yarn-berry-zip.mjs).
# Uses only builtins and POSIX tools (tar for git checkouts; node for Berry zips).
{ fetchurl, fetchgit, fetchzip, runCommand, nodejs ? null, lock, outputName ? null }:
let
  shellQuote = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] s + "'";
  flavour = lock.meta.flavour or "classic";
  outName = if outputName != null then outputName else if flavour == "classic" then "yarn-offline-mirror" else "yarn-berry-cache";
  # data format 3: `fetch` is the fetcher's own arguments (`url`, or `urls` when there are several); `type` is
  # left out for a plain file, `cachePath` when it is the key, `fetch.name` when it is the URL's base name
  typeOf = a: a.type or "file";
  fileName = a: a.fetch.name or (baseNameOf (a.fetch.url or (builtins.head a.fetch.urls)));
  tools = builtins.filter (a: typeOf a != "none" && (a.meta.tool or null) != null) (builtins.attrValues lock.artifacts);

  # format 3: an entry that could not be pinned has no hash but `unpinned`, the message to fail with when it
  # is fetched (and only then: an entry nothing uses costs nothing)
  fetchArgs = a: if a ? unpinned then throw a.unpinned else a.fetch;
  fetchOne = a:
    if typeOf a == "file" then fetchurl (fetchArgs a)
    else if typeOf a == "git" then fetchgit (fetchArgs a)
    else if typeOf a == "archive" then fetchzip (fetchArgs a)
    else throw "lock2nix: yarn: unknown fetch type ${typeOf a} for ${a.name}";

  # Yarn 1 reads a git dependency from the mirror as a plain tar of the tree (what `git archive` writes).
  # Packed deterministically, outside the fixed-output fetch, so tar options never change a pinned hash.
  tarOf = a: src: runCommand "${fileName a}.tar" { inherit src; } ''
    cd "$src"
    find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort > "$TMPDIR/files"
    tar --no-recursion --mtime=@1 --owner=0 --group=0 --numeric-owner --format=gnu --mode=u+w \
      -cf "$out" -T "$TMPDIR/files"
  '';

  placed = a:
    let src = fetchOne a;
    in if (a.meta.pack or null) == "tar" then tarOf a src else src;

  # Berry: rebuild the zip Yarn keeps in its cache from the fetched tarball (or git checkout), byte for byte (the same code
  # lock2nix ran to verify the lockfile's checksum: yarn-berry-zip.mjs). Deflated zips are compressed by
  # the libzip build Yarn itself uses (@yarnpkg/libzip, a pinned download listed as a tool).
  zipScript = ./yarn-berry-zip.mjs;
  libzipFor = version:
    let found = builtins.filter (a: a.meta.tool == "libzip" && (a.meta.libzip or a.version) == version) tools;
    in if found == [ ] then throw "lock2nix: yarn: libzip ${version} is missing from the data; regenerate it with this lock2nix"
       else fetchOne (builtins.head found);
  berryZip = a: src: runCommand "${fileName a}.zip" ({
    inherit src zipScript;
    nativeBuildInputs = [ nodejs ];
    spec = builtins.toJSON a.meta.zip;
  } // (if a.meta.zip.level == 0 then { } else {
    libzip = libzipFor (a.meta.zip.libzip or "3.2.2");
  })) ''
    if [ -n "''${libzip:-}" ]; then
      mkdir "$TMPDIR/libzip" && tar -xzf "$libzip" -C "$TMPDIR/libzip" package/lib/libzipSync.js
      node "$zipScript" "$src" "$out" "$spec" "$TMPDIR/libzip/package/lib/libzipSync.js"
    else
      node "$zipScript" "$src" "$out" "$spec"
    fi
  '';

  placedBerry = a:
    let src = fetchOne a;
    in if (a.meta.zip or null) != null then berryZip a src else src;

  # one `place <file> <cache path> [<alias>]` line per placed artifact (an empty one for tools and entries with
  # nothing to fetch), in key order; `place` (below) makes the folders and links. A plain pinned file (no `type`,
  # `meta` or `unpinned`: most entries) takes the short way.
  line = f: key: a:
    if (a.type or "file") == "none" || (a.meta.tool or null) != null then "" else
    "place ${f a} ${shellQuote (a.cachePath or key)}"
    + (if (a.meta.alias or null) != null then " ${shellQuote a.meta.alias}" else "");
  links = f: builtins.concatStringsSep "\n" (map (key: let a = lock.artifacts.${key}; in
    if a ? type || a ? meta || a ? unpinned then line f key a else "place ${fetchurl a.fetch} ${shellQuote (a.cachePath or key)}")
    (builtins.attrNames lock.artifacts));
  placeFn = ''
    place() {
      src=$1; shift
      for p in "$@"; do
        case $p in */*) mkdir -p "$out/''${p%/*}" ;; esac
        ln -s "$src" "$out/$p"
      done
    }
  '';
in
assert lock.format or null == 3 || throw "lock2nix: yarn.nix reads data format 3 but the data file has format ${toString (lock.format or "none")}; run `lock2nix yarn` again to regenerate it";
assert lock.ecosystem == "yarn";
if flavour == "classic" then
  runCommand outName { preferLocalBuild = true; allowSubstitutes = false; } ''
    mkdir -p "$out"
    ${placeFn}
    ${links placed}
  ''
else
  runCommand outName { preferLocalBuild = true; allowSubstitutes = false; } ''
    mkdir -p "$out"
    ${placeFn}
    ${links placedBerry}
  ''

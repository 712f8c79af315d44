# lock2nix core builder for Cargo: a vendor directory that `cargo build --offline --frozen` accepts.
#
#   <out>/<source>/<name>-<version>/   one folder per origin (crates-io, registry-…, git-…), each crate
#                                     unpacked with its .cargo-checksum.json
#   <out>/.cargo/config.toml          source replacement for crates.io, every alternative registry and
#                                     every git source, plus the project's [registries]
#   <out>/Cargo.lock                  when `cargoLock` is given (nixpkgs' cargoSetupHook compares it)
#
# Use it as nixpkgs' `rustPlatform.buildRustPackage { cargoDeps = …; }`, or copy
# <out>/.cargo/config.toml into $CARGO_HOME for a plain stdenv.mkDerivation (see the Cargo README).
# Only builtins and POSIX tools (tar, gzip, find) are used; the crates are listed in a plan file read by a
# fixed script, so the build command stays small for lockfiles with thousands of crates.
{ fetchurl, fetchgit, runCommand, writeText, lock, cargoLock ? null, name ? "cargo-vendor" }:
let
  # the data itself, or the path of the data file (a legacy `.nix` one is read only to be refused below)
  data = if builtins.isAttrs lock then lock
    else if builtins.match ".*[.]nix" (toString lock) != null then import lock
    else builtins.fromJSON (builtins.readFile lock);
  check =
    if data.format or null != 3 then throw "lock2nix: cargo.nix reads generated data of format 3, got ${toString (data.format or "none")}; run `lock2nix cargo` again"
    else if data.ecosystem or null != "cargo" then throw "lock2nix: cargo.nix was handed ${data.ecosystem or "unknown"} data"
    else true;
  meta = data.meta;
  q = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] s + "'";
  toml = builtins.toJSON; # a JSON string is a valid TOML basic string
  keys = builtins.attrNames data.artifacts; # sorted
  label = a: "${a.name} ${a.version}";
  # data format 3: `fetch` is the fetcher's own arguments (`url`, or `urls` when there are none or several);
  # `type` is left out for a plain file, `cachePath` when it is the key
  typeOf = a: a.type or "file";
  # our own User-Agent (curl takes the last one): crates.io refuses plain curl agents on some endpoints
  userAgent = if (builtins.functionArgs fetchurl) ? curlOptsList then { curlOptsList = [ "--user-agent" meta.userAgent ]; } else null;

  # format 3: an entry that could not be pinned has no hash but `unpinned`, the message to fail with when it
  # is fetched (and only then: an entry nothing uses costs nothing)
  fetchArgs = a: if a ? unpinned then throw a.unpinned else a.fetch;
  fetchOne = a:
    if typeOf a == "file" then
      (if a.fetch.urls or null == [ ] then
        throw "lock2nix: the download address of cargo package ${label a} is unknown (its registry's config.json was not read: --offline); run `lock2nix cargo` without --offline"
      else fetchurl (if userAgent == null then fetchArgs a else fetchArgs a // userAgent))
    else if typeOf a == "git" then fetchgit (fetchArgs a)
    else throw "lock2nix: cargo package ${label a} has nothing to fetch (${a.reason or ""})";

  # The plan: one tab-separated line per crate, read by a fixed script (so that the build command stays
  # small however many crates there are). Cache paths are checked by lock2nix (no control characters).
  #   r <dest> <.crate file> <checksum|->
  #   g <dest> <git tree> <folder in the tree> <rewritten Cargo.toml|-> <paths left out by include/exclude|->
  planLine = key: let a = data.artifacts.${key}; cachePath = a.cachePath or key; in
    if typeOf a == "git" then
      let
        subdir = a.meta.subdir or (throw "lock2nix: cargo package ${label a} was not located in its git tree; run `lock2nix cargo` without --offline");
        manifest = if a.meta ? manifest then builtins.toFile "Cargo.toml" a.meta.manifest else "-";
        drop = if a.meta.drop or [ ] != [ ] then builtins.toFile "left-out" (builtins.concatStringsSep "\n" a.meta.drop + "\n") else "-";
      in "g\t${cachePath}\t${fetchOne a}\t${subdir}\t${manifest}\t${drop}\n"
    else if typeOf a == "file" then
      "r\t${cachePath}\t${fetchOne a}\t${if a.meta.checksum == null then "-" else a.meta.checksum}\n"
    else "";
  plan = writeText "${name}-plan" (builtins.concatStringsSep "" (map planLine keys));

  # .cargo/config.toml: every origin replaced by its folder (@vendor@ becomes the output path)
  sourceNames = builtins.attrNames meta.sources;
  replacement = dir:
    let
      s = meta.sources.${dir};
      target = "lock2nix-${dir}";
      upstream = extra: suffix: ''
        [source.${toml "lock2nix-upstream-${dir}${suffix}"}]
        ${extra}
        replace-with = ${toml target}
      '';
      gitUpstream = sel: suffix: upstream ("git = ${toml s.git}" + sel) suffix;
      selector = if s ? branch then "\nbranch = ${toml s.branch}" else if s ? tag then "\ntag = ${toml s.tag}"
        else if s ? rev then "\nrev = ${toml s.rev}" else "";
    in
    (if s.type == "crates-io" then ''
      [source.crates-io]
      replace-with = ${toml target}
    '' else if s.type == "registry" then upstream "registry = ${toml s.registry}" ""
    else gitUpstream selector "" + (if s ? alsoBranch then gitUpstream "\nbranch = ${toml s.alsoBranch}" "-${s.alsoBranch}" else ""))
    + ''
      [source.${toml target}]
      directory = ${toml "@vendor@/${dir}"}

    '';
  registries = builtins.concatStringsSep "" (map (n: ''
    [registries.${toml n}]
    index = ${toml meta.registries.${n}}

  '') (builtins.attrNames (meta.registries or { })));
  configText = "# Written by lock2nix.\n" + builtins.concatStringsSep "" (map replacement sourceNames) + registries;
  config = builtins.toFile "cargo-config.toml" configText;
  # the Cargo.lock handed in must be the one lock2nix read (data.lockfile.hash): otherwise the vendor
  # directory does not match it. builtins.hashFile answers in base16; the data holds SRI (base64).
  hexToSri = hex:
    let
      digit = c: builtins.getAttr c { "0" = 0; "1" = 1; "2" = 2; "3" = 3; "4" = 4; "5" = 5; "6" = 6; "7" = 7; "8" = 8; "9" = 9; a = 10; b = 11; c = 12; d = 13; e = 14; f = 15; };
      n = builtins.stringLength hex / 2;
      byte = i: if i < n then digit (builtins.substring (2 * i) 1 hex) * 16 + digit (builtins.substring (2 * i + 1) 1 hex) else 0;
      b64 = k: builtins.substring k 1 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      mod = a: m: a - (a / m) * m;
      group = g:
        let i = 3 * g; v = byte i * 65536 + byte (i + 1) * 256 + byte (i + 2);
        in b64 (v / 262144) + b64 (mod (v / 4096) 64)
          + (if i + 1 < n then b64 (mod (v / 64) 64) else "=") + (if i + 2 < n then b64 (mod v 64) else "=");
    in "sha256-" + builtins.concatStringsSep "" (builtins.genList group ((n + 2) / 3));
  lockFile =
    if cargoLock == null || hexToSri (builtins.hashFile "sha256" cargoLock) == data.lockfile.hash then cargoLock
    else throw "lock2nix: ${toString cargoLock} changed since lock2nix read it; run `lock2nix cargo` again";
  vendor = runCommand name { preferLocalBuild = true; } ''
    mkdir -p "$out/.cargo"
    tab=$(printf '\t')
    while IFS="$tab" read -r kind dest src a b c; do
      case "$kind" in
        r)
          mkdir -p "$out/$dest"
          tar -xzf "$src" -C "$out/$dest" --strip-components=1 --no-same-owner
          if [ "$a" = - ]; then sum=null; else sum="\"$a\""; fi
          printf '{"files":{},"package":%s}' "$sum" > "$out/$dest/.cargo-checksum.json"
          ;;
        g)
          mkdir -p "$(dirname "$out/$dest")"
          cp -R "$src/$a" "$out/$dest"
          chmod -R u+w "$out/$dest"
          ( cd "$out/$dest"
            # like cargo package/vendor: what include/exclude leave out, nested packages and git metadata
            # are not part of the crate
            if [ "$c" != - ]; then while IFS= read -r p; do rm -rf "./$p"; done < "$c"; fi
            find . -mindepth 2 -name Cargo.toml -type f | while IFS= read -r m; do rm -rf "$(dirname "$m")"; done
            find . \( -name .git -o -name .gitattributes -o -name .gitignore \) -prune -exec rm -rf {} +
            # symlinks that pointed outside the crate are broken now; absolute ones would reach the build machine
            find . -type l | while IFS= read -r l; do case "$(readlink "$l")" in /*) rm -f "$l" ;; esac; done
            find . -type l ! -exec test -e {} \; -exec rm -f {} +
            if [ "$b" != - ]; then mv Cargo.toml Cargo.toml.orig; cat "$b" > Cargo.toml; fi
            printf '{"files":{},"package":null}' > .cargo-checksum.json )
          ;;
      esac
    done < ${plan}
    sed "s|@vendor@|$out|g" ${config} > "$out/.cargo/config.toml"
    ${if cargoLock == null then "" else ''cat ${lockFile} > "$out/Cargo.lock"''}
  '';
in
# cargoConfigText: the config before @vendor@ is filled in (for inspection and tests)
assert check; vendor // { cargoConfigText = configText; }

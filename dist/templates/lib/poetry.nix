# lock2nix core builder for Poetry: a wheelhouse for one target (system, Python version, libc), holding the
# files pip could use for the packages the lock selects for the requested groups and extras, plus a pinned
# requirements file with hashes. `.install` is a virtual environment made from it with
# `pip install --no-index --find-links <wheelhouse> --require-hashes`.
#
# Selection, evaluated by Nix (only the chosen files are fetched):
#   - lock-version >= 2.1: a package is selected when one of `groups` is in its `groups` and its marker for
#     that group (or its one marker) is true for the target and the requested root `extras`;
#   - older locks: the graph is walked from the pyproject.toml roots of the requested groups and extras,
#     following dependency edges whose markers hold (with the extras each package is asked for).
#   - per package: the wheels whose tags fit the target (pure, abi3, cpXY, manylinux/musllinux/macOS levels);
#     only when there is none, the sdist (with the build requirements lock2nix pinned for it).
# Uses only builtins; python3 is needed only for `.install`.
{ fetchurl
, fetchgit ? null
, linkFarm
, runCommand
, writeText
, python3 ? null
, stdenv ? null
, lock
  # the Nix system the environment is for; defaults to stdenv's host platform (or the current system)
, targetSystem ? (if stdenv != null then stdenv.hostPlatform.system else builtins.currentSystem)
  # "3.12" or "3.12.4"; defaults to python3.version
, pythonVersion ? (if python3 != null && python3 ? version then python3.version else throw "lib/poetry.nix: pass pythonVersion (or python3)")
, groups ? [ "main" ]
, extras ? [ ]
  # "glibc" or "musl" (Linux), with the C library's version for manylinux/musllinux wheels
, libc ? (if stdenv != null && (stdenv.hostPlatform.isMusl or false) then "musl" else "glibc")
, libcVersion ? (if libc == "musl" then "1.2" else if stdenv != null && stdenv.cc ? libc && stdenv.cc.libc ? version then stdenv.cc.libc.version else "2.28")
  # the oldest macOS the environment must run on (macosx_X_Y wheels up to this version qualify)
, macosVersion ? (if stdenv != null then stdenv.hostPlatform.darwinMinVersion or "11.0" else "11.0")
  # directory and file sources of the lock: package name -> path (others are left out with a warning)
, localSources ? { }
}:
let
  inherit (builtins) all any attrNames attrValues concatMap concatStringsSep elem filter foldl' genericClosure
    hasAttr head length listToAttrs map match replaceStrings sort split stringLength substring toString;

  checkedLock =
    if (lock.format or null) != 3 then throw "lib/poetry.nix: reads lock2nix data format 3, got ${toString (lock.format or "none")}; run `lock2nix poetry` again to regenerate it"
    else if (lock.ecosystem or null) != "poetry" then throw "lib/poetry.nix: this is ${lock.ecosystem or "?"} data, not poetry"
    else lock;
  meta = checkedLock.meta;
  artifacts = checkedLock.artifacts;
  # data format 3: `fetch` is the fetcher's own arguments; `cachePath` is left out when it is the key
  entry = k: let a = artifacts.${k}; in a // { key = k; cachePath = a.cachePath or k; };
  packages = meta.packages;

  normalize = s: replaceStrings [ "_" "." ] [ "-" "-" ] (builtins.concatStringsSep "" (map (c: if builtins.isList c then "-" else c) (split "[-_.]+" (lowerCase s))));
  lowerCase = replaceStrings
    [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ]
    [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ];
  toInt = s: builtins.fromJSON s;
  hasSuffix = suf: s: let ls = stringLength s; lf = stringLength suf; in ls >= lf && substring (ls - lf) lf s == suf;
  unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];

  # ---- the target ----------------------------------------------------------------------------------------
  system = targetSystem;
  sysParts = match "([^-]+)-(.+)" system;
  cpu = head sysParts;
  kernel = builtins.elemAt sysParts 1;
  isLinux = kernel == "linux";
  isDarwin = kernel == "darwin";
  pyParts = map toInt (filter (x: builtins.isString x && x != "") (split "\\." (head (match "([0-9.]+).*" pythonVersion))));
  pyMajor = builtins.elemAt pyParts 0;
  pyMinor = builtins.elemAt pyParts 1;
  pyFull = if length pyParts >= 3 then pythonVersion else "${pythonVersion}.0";
  wheelArch = if isDarwin && cpu == "aarch64" then "arm64" else cpu;
  env = {
    python_version = "${toString pyMajor}.${toString pyMinor}";
    python_full_version = pyFull;
    implementation_version = pyFull;
    os_name = "posix";
    sys_platform = if isDarwin then "darwin" else kernel;
    platform_system = if isDarwin then "Darwin" else if isLinux then "Linux" else kernel;
    platform_machine = wheelArch;
    platform_python_implementation = "CPython";
    implementation_name = "cpython";
    platform_release = "";
    platform_version = "";
  };
  targetText = "${system}, Python ${pythonVersion}${if isLinux then ", ${libc} ${libcVersion}" else if isDarwin then ", macOS ${macosVersion}" else ""}";

  # ---- PEP 440 comparisons (as far as markers need them) ---------------------------------------------------
  # a PEP 440 version as a list of numbers that sorts like the version: release (padded later), then
  # phase (0 dev-only, 1 a, 2 b, 3 rc, 4 final), pre number, post (-1 none), dev (huge when none)
  versionKey = v:
    let
      m = match "v?([0-9]+(\\.[0-9]+)*)[-_.]?((a|b|c|rc|alpha|beta|pre|preview)[-_.]?([0-9]*))?([-_.]?(post|rev|r)[-_.]?([0-9]*))?([-_.]?dev[-_.]?([0-9]*))?(\\+.*)?" (lowerCase v);
      at = builtins.elemAt m;
      num = s: if s == null || s == "" then 0 else toInt (head (match "0*([0-9]+)" s));
      phases = { a = 1; alpha = 1; b = 2; beta = 2; c = 3; rc = 3; pre = 3; preview = 3; };
      phase = if at 3 != null then phases.${at 3} else if at 8 != null && at 5 == null then 0 else 4;
    in
    if m == null then null
    else { release = map num (components (at 0)); rest = [ phase (num (at 4)) (if at 5 == null then (-1) else num (at 7)) (if at 8 == null then 1000000000 else num (at 9)) ]; };
  cmpLists = a: b:
    if a == [ ] && b == [ ] then 0
    else let x = if a == [ ] then 0 else head a; y = if b == [ ] then 0 else head b; in
      if x < y then (-1) else if x > y then 1 else cmpLists (if a == [ ] then [ ] else builtins.tail a) (if b == [ ] then [ ] else builtins.tail b);
  vcmp = a: b:
    let ka = versionKey a; kb = versionKey b; in
    if ka == null || kb == null then builtins.compareVersions a b
    else let r = cmpLists ka.release kb.release; in if r != 0 then r else cmpLists ka.rest kb.rest;
  components = v: filter (x: builtins.isString x && x != "") (split "\\." v);
  prefixOf = pre: v: let p = components pre; c = components v; in
    length p <= length c && all (i: builtins.elemAt p i == builtins.elemAt c i) (builtins.genList (i: i) (length p));
  versionOp = op: l: r:
    if op == "==" then (if hasSuffix ".*" r then prefixOf (substring 0 (stringLength r - 2) r) l else vcmp l r == 0)
    else if op == "!=" then !(versionOp "==" l r)
    else if op == "<" then vcmp l r < 0
    else if op == "<=" then vcmp l r <= 0
    else if op == ">" then vcmp l r > 0
    else if op == ">=" then vcmp l r >= 0
    else if op == "~=" then (let c = components r; in vcmp l r >= 0 && prefixOf (concatStringsSep "." (builtins.genList (builtins.elemAt c) (length c - 1))) l)
    else if op == "===" then l == r
    else throw "lib/poetry.nix: unknown marker operator ${op}";
  stringOp = op: l: r:
    if op == "==" || op == "===" then l == r
    else if op == "!=" then l != r
    else if op == "<" then builtins.lessThan l r
    else if op == ">" then builtins.lessThan r l
    else if op == "<=" then !(builtins.lessThan r l)
    else if op == ">=" then !(builtins.lessThan l r)
    else throw "lib/poetry.nix: operator ${op} on strings";
  escapeRegex = replaceStrings [ "\\" "." "*" "+" "?" "(" ")" "[" "]" "{" "}" "|" "^" "$" ] [ "\\\\" "\\." "\\*" "\\+" "\\?" "\\(" "\\)" "\\[" "\\]" "\\{" "\\}" "\\|" "\\^" "\\$" ];
  contains = needle: hay: length (split (escapeRegex needle) hay) > 1;
  versionVars = [ "python_version" "python_full_version" "implementation_version" ];

  # ---- PEP 508 markers (trees parsed by lock2nix) -----------------------------------------------------------
  # activeExtras: the extras in effect for the requirement being evaluated (a list of normalised names)
  evalMarker = activeExtras: m:
    if m ? all then all (evalMarker activeExtras) m.all
    else if m ? any then any (evalMarker activeExtras) m.any
    else
      let
        isExtra = (m.l.var or null) == "extra" || (m.r.var or null) == "extra";
        value = o: if o ? lit then o.lit else if hasAttr o.var env then env.${o.var} else "";
        l = value m.l;
        r = value m.r;
        extraName = normalize (if m.l ? lit then m.l.lit else m.r.lit);
      in
      if isExtra then
        (if m.cmp == "==" then elem extraName activeExtras
         else if m.cmp == "!=" then !(elem extraName activeExtras)
         else false)
      else if (m.l.var or null) == "extras" || (m.r.var or null) == "extras" || (m.l.var or null) == "dependency_groups" || (m.r.var or null) == "dependency_groups" then false
      else if m.cmp == "in" then contains l r
      else if m.cmp == "not in" then !(contains l r)
      else if (elem (m.l.var or "") versionVars || elem (m.r.var or "") versionVars) && match "[0-9][0-9.]*([.]\\*)?" l != null && match "[0-9][0-9a-z.]*([.]\\*)?" r != null then versionOp m.cmp l r
      else stringOp m.cmp l r;

  requestedExtras = map normalize extras;

  # ---- which packages -----------------------------------------------------------------------------------------
  hasGroups = any (p: p ? groups) (attrValues packages);
  groupMarker = p: g:
    if !(p ? markers) then true
    else if p.markers ? groups then (if hasAttr g p.markers.groups then evalMarker requestedExtras p.markers.groups.${g} else true)
    else evalMarker requestedExtras p.markers;
  selectedByGroups = filter (id: let p = packages.${id}; in any (g: elem g (p.groups or [ ]) && groupMarker p g) groups) (attrNames packages);

  roots = meta.roots or (throw "lib/poetry.nix: this lock (lock-version ${meta.lockVersion}) records no groups; convert it with pyproject.toml next to poetry.lock, or lock with Poetry 2 (lock-version 2.1)");
  edgeNodes = active: edge:
    if !(evalMarker active edge.marker) || edge.targets == [ ] then [ ]
    else let t = head edge.targets; in
      [ { key = t; id = t; extra = null; } ] ++ map (x: { key = "${t}[${x}]"; id = t; extra = x; }) edge.extras;
  rootEdges = concatMap (g: roots.groups.${g} or [ ]) groups;
  extraEdges = concatMap (e: roots.extras.${e} or [ ]) requestedExtras;
  walked = genericClosure {
    startSet = concatMap (edgeNodes requestedExtras) (rootEdges ++ extraEdges);
    operator = node:
      let p = packages.${node.id}; in
      if node.extra == null then concatMap (edgeNodes [ ]) (filter (d: !d.optional) p.dependencies)
      else [ { key = node.id; id = node.id; extra = null; } ]
        ++ concatMap (edgeNodes [ node.extra ]) (filter (d: elem d.name (p.extras.${node.extra} or [ ])) p.dependencies);
  };
  selectedByGraph = unique (map (n: n.id) walked);

  selectedIds = sort builtins.lessThan (if hasGroups then selectedByGroups else selectedByGraph);
  selected = checkUnique (map (id: packages.${id} // { inherit id; }) selectedIds);
  # two versions of one name for the same target: pip could install only one, so say which
  checkUnique = list:
    let dups = filter (p: length (filter (q: q.name == p.name) list) > 1) list; in
    if dups == [ ] then list
    else throw "lib/poetry.nix: for ${targetText}, the lock selects ${concatStringsSep " and " (map (p: p.id) dups)}; their markers overlap for this target";

  # ---- wheel tags -----------------------------------------------------------------------------------------------
  cur = "${toString pyMajor}${toString pyMinor}";
  pyTagMinor = t: let m = match "(py|cp)${toString pyMajor}([0-9]+)" t; in if m == null then null else toInt (builtins.elemAt m 1);
  pyAbiOk = py: abi:
    if abi == "none" then
      py == "py${toString pyMajor}" || py == "cp${cur}" || (let n = pyTagMinor py; in n != null && substring 0 2 py == "py" && n <= pyMinor)
    else if abi == "abi3" then
      (let n = pyTagMinor py; in n != null && substring 0 2 py == "cp" && n <= pyMinor)
    else py == "cp${cur}" && (abi == "cp${cur}" || (pyMinor < 8 && abi == "cp${cur}m"));
  libcAtLeast = x: y: vcmp "${x}.${y}" libcVersion <= 0;
  platOk = plat:
    if plat == "any" then true
    else if isLinux then
      (let
        many = match "manylinux_([0-9]+)_([0-9]+)_(.+)" plat;
        musl = match "musllinux_([0-9]+)_([0-9]+)_(.+)" plat;
        legacy = match "manylinux(1|2010|2014)_(.+)" plat;
        legacyGlibc = { "1" = [ "2" "5" ]; "2010" = [ "2" "12" ]; "2014" = [ "2" "17" ]; };
      in
      if plat == "linux_${cpu}" then true
      else if many != null then libc == "glibc" && builtins.elemAt many 2 == cpu && libcAtLeast (builtins.elemAt many 0) (builtins.elemAt many 1)
      else if musl != null then libc == "musl" && builtins.elemAt musl 2 == cpu && libcAtLeast (builtins.elemAt musl 0) (builtins.elemAt musl 1)
      else if legacy != null then
        (let g = legacyGlibc.${builtins.elemAt legacy 0}; in libc == "glibc" && builtins.elemAt legacy 1 == cpu && libcAtLeast (head g) (builtins.elemAt g 1))
      else false)
    else if isDarwin then
      (let mac = match "macosx_([0-9]+)_([0-9]+)_(.+)" plat; in
        mac != null
        && vcmp "${builtins.elemAt mac 0}.${builtins.elemAt mac 1}" macosVersion <= 0
        && (let a = builtins.elemAt mac 2; in a == wheelArch || a == "universal2" || (wheelArch == "x86_64" && elem a [ "intel" "universal" "fat64" "fat32" ])))
    else false;
  wheelOk = tags: any (py: any (abi: pyAbiOk py abi) tags.abi) tags.python && any platOk tags.platform;

  # ---- files per package ----------------------------------------------------------------------------------------
  choose = p:
    let
      arts = map entry p.files;
      wheels = filter (a: a.meta.kind == "wheel" && wheelOk a.meta.tags) arts;
      sdists = filter (a: a.meta.kind == "sdist") arts;
      names = concatStringsSep ", " (map (a: a.cachePath) arts);
    in
    if p ? broken then throw "lib/poetry.nix: ${p.broken}"
    else if wheels != [ ] then wheels
    else if sdists != [ ] then sdists
    else throw "lib/poetry.nix: ${p.name} ${p.version} has no file for ${targetText} (locked files: ${if names == "" then "none" else names})";

  sourceType = p: p.source.type or "index";
  indexed = filter (p: elem (sourceType p) [ "index" "url" ]) selected;
  gitPkgs = filter (p: sourceType p == "git") selected;
  localPkgs = filter (p: elem (sourceType p) [ "directory" "file" ]) selected;
  chosen = map (p: { pkg = p; files = choose p; }) indexed;
  chosenFiles = concatMap (c: c.files) chosen;
  buildRequires = meta.buildRequires or { };
  buildFiles = filter (a: a.meta.kind != "wheel" || !(a.meta ? tags) || wheelOk a.meta.tags) (map entry (unique (concatMap (a: buildRequires.${a.key} or [ ]) (chosenFiles ++ map (p: entry (head p.files)) (gitPkgs ++ filter (p: hasAttr p.name localSources) localPkgs)))));
  wheelhouseFiles = unique (chosenFiles ++ filter (b: !(elem b.key (map (a: a.key) chosenFiles))) buildFiles);

  # format 3: an entry that could not be pinned has no hash but `unpinned`, the message to fail with when it
  # is fetched (and only then: an entry nothing uses costs nothing)
  fetchArgs = a: if a ? unpinned then throw a.unpinned else a.fetch;
  fetchFile = a: fetchurl (fetchArgs a);
  fetchTree = a:
    builtins.seq (fetchArgs a) (
      if fetchgit == null then throw "lib/poetry.nix: fetchgit is needed for ${a.name}"
      else fetchgit a.fetch);

  requirementLine = c:
    "${c.pkg.name}==${c.pkg.version}" + concatStringsSep "" (map (a: " --hash=${a.meta.hash}") c.files);
  requirements = writeText "requirements.txt" (concatStringsSep "\n" (map requirementLine chosen) + "\n");

  wheelhouse = linkFarm "python${cur}-wheelhouse" (
    map (a: { name = a.cachePath; path = fetchFile a; }) wheelhouseFiles
    ++ [ { name = "requirements.txt"; path = requirements; } ]
  );

  gitSources = map (p:
    let a = artifacts.${head p.files}; src = fetchTree a; sub = p.source.subdirectory or null; in
    if sub == null then "${src}" else "${src}/${sub}") gitPkgs;
  localSourcesUsed = concatMap (p:
    if hasAttr p.name localSources then [ "${localSources.${p.name}}" ]
    else builtins.trace "lib/poetry.nix: ${p.name} is a local ${p.source.type} (${p.source.path}); pass localSources.${p.name} to install it" [ ]) localPkgs;

  install = runCommand "python${cur}-env" {
    nativeBuildInputs = if python3 == null then [ ] else [ python3 ];
    inherit wheelhouse;
    sources = gitSources ++ localSourcesUsed;
    PIP_CONFIG_FILE = "/dev/null";
    PIP_DISABLE_PIP_VERSION_CHECK = "1";
    PIP_NO_CACHE_DIR = "1";
    PIP_NO_INPUT = "1";
  } ''
    python3 -m venv "$out"
    "$out/bin/python" -m pip install --no-index --find-links "$wheelhouse" --require-hashes -r "$wheelhouse/requirements.txt"
    n=0
    for s in $sources; do
      n=$((n + 1)); tmp=$(mktemp -d); cp -r "$s" "$tmp/src-$n"; chmod -R u+w "$tmp/src-$n"
      "$out/bin/python" -m pip install --no-index --find-links "$wheelhouse" --no-deps "$tmp/src-$n"
      rm -rf "$tmp"
    done
  '';
in
wheelhouse // {
  inherit install requirements;
  selectedPackages = selectedIds;
  files = map (a: a.cachePath) wheelhouseFiles;
  # the selection rules, for tests and for users who want to ask "why"
  lib = { inherit env evalMarker wheelOk; };
}

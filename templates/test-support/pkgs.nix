# A minimal package set for the tests: the same function signatures as nixpkgs' fetchurl, fetchgit, fetchzip,
# runCommand, linkFarm and writeText, built on Nix's builtin fetcher and the host's tools (Debian's nix-bin
# runs builds with sandbox = false). Users pass nixpkgs instead; the core builders must work with both.
# The core builders use only `builtins`, POSIX tools and the tools they name in nativeBuildInputs, which
# here are taken from the host's PATH.
{ system ? builtins.currentSystem, hostPath ? "/usr/local/bin:/usr/bin:/bin" }:
let
  shell = "/bin/bash";
  mkDerivation = { name, script, ... }@args:
    derivation ((builtins.removeAttrs args [ "script" "nativeBuildInputs" "buildInputs" "passthru" "meta" ]) // {
      inherit name system;
      builder = shell;
      # the trailing `:` keeps bash from exec-ing the script's last command: a coreutils tool that is the builder
      # itself closes stderr (the log pipe) before it exits, and Nix 2.8 then kills it ("signal 9 (Killed)")
      args = [ "-euc" (script + "\n:") ];
      PATH = hostPath;
      HOME = "/homeless-shelter";
    });
  fod = { name, hash, mode, script, env ? { } }:
    mkDerivation (env // {
      inherit name script;
      outputHashMode = mode;
      outputHash = hash;
      outputHashAlgo = null;
      preferLocalBuild = true;
      impureEnvVars = [ "http_proxy" "https_proxy" ];
    });
  pkgs = {
    inherit system;
    callPackage = fn: args:
      let f = if builtins.isFunction fn then fn else import fn;
      in f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // args);

    fetchurl = { url ? null, urls ? [ url ], hash, name ? baseNameOf (builtins.head urls), ... }:
      derivation {
        inherit name;
        system = "builtin";
        builder = "builtin:fetchurl";
        url = builtins.head urls;
        outputHashMode = "flat";
        outputHash = hash;
        outputHashAlgo = null;
        preferLocalBuild = true;
        executable = false;
        unpack = false;
        urls = builtins.concatStringsSep " " urls;
      };

    fetchzip = { url ? null, urls ? [ url ], hash, name ? "source", stripRoot ? true, ... }:
      fod {
        inherit name hash;
        mode = "recursive";
        env = { urls = builtins.concatStringsSep " " urls; stripRoot = if stripRoot then "1" else ""; };
        script = ''
          tmp=$(mktemp -d); cd "$tmp"
          for u in $urls; do curl -fsSL "$u" -o archive && break; done
          mkdir unpacked; cd unpacked
          case "$(head -c 2 ../archive | od -An -tx1 | tr -d ' ')" in
            504b) unzip -qq ../archive ;;
            *) tar -xf ../archive ;;
          esac
          if [ -n "$stripRoot" ]; then
            [ "$(ls -A | wc -l)" = 1 ] || { echo "fetchzip: expected one top-level entry" >&2; exit 1; }
            top="$(ls -A)"
            # like nixpkgs: a lone file goes inside $out, a lone folder becomes $out
            if [ -f "$top" ] && [ ! -L "$top" ]; then mkdir "$out"; fi
            mv "$top" "$out"
          else
            mkdir "$out"; cp -a . "$out"
          fi
        '';
      };

    fetchgit = { url, rev, hash, name ? "source", fetchSubmodules ? true, ... }:
      fod {
        inherit name hash;
        mode = "recursive";
        env = { inherit url rev; submodules = if fetchSubmodules then "1" else ""; GIT_CONFIG_NOSYSTEM = "1"; };
        script = ''
          git init -q "$out"; cd "$out"
          git remote add origin "$url"
          git fetch -q --depth 1 origin "$rev" 2>/dev/null || git fetch -q origin
          git -c advice.detachedHead=false checkout -q "$rev"
          if [ -n "$submodules" ]; then git submodule -q update --init --recursive; fi
          find . -name .git -prune -exec rm -rf {} +
        '';
      };

    runCommand = name: env: script:
      mkDerivation (env // { inherit name script; });

    runCommandLocal = name: env: script: pkgs.runCommand name (env // { preferLocalBuild = true; allowSubstitutes = false; }) script;

    writeText = name: text: pkgs.runCommand name { inherit text; passAsFile = [ "text" ]; } ''cat "$textPath" > "$out"'';

    linkFarm = name: entries:
      let list = if builtins.isList entries then entries
                 else map (n: { name = n; path = entries.${n}; }) (builtins.attrNames entries);
      in pkgs.runCommand name {
        preferLocalBuild = true; allowSubstitutes = false;
        names = map (e: e.name) list; paths = map (e: "${e.path}") list;
      } ''
        mkdir -p "$out"; set -- $paths
        for n in $names; do mkdir -p "$out/$(dirname "$n")"; ln -s "$1" "$out/$n"; shift; done
      '';

    # Host tools for nativeBuildInputs: the harness ignores them and builds with the host PATH.
    python3 = null; unzip = null; zip = null; jq = null; gnutar = null; gzip = null; git = null; cacert = null;
    cargo = null; nodejs = null;
  };
in pkgs

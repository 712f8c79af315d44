# The .NET SDK for the NuGet end-to-end test (`dotnet restore --source <folder>` with no network). Taken from
# the machine or from Debian's packages when they offer it, never from an installer script (those download
# from outside). Without it the test that runs dotnet is skipped and says so. Sourced by scripts/setup.sh.
if command -v dotnet >/dev/null 2>&1 && dotnet --list-sdks 2>/dev/null | grep -q .; then
  log "dotnet: SDK $(dotnet --version)"
else
  dotnet_pkg=""
  # package lists never fetched on this machine: fetch them once (setup.sh's apt_install would, later)
  if [ "${apt_updated:-0}" = 0 ] && ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && apt_updated=1 || true
  fi
  for p in dotnet-sdk-8.0 dotnet8 dotnet-sdk-9.0 dotnet9; do
    if apt-cache show "$p" >/dev/null 2>&1; then dotnet_pkg="$p"; break; fi
  done
  if [ -n "$dotnet_pkg" ]; then
    apt_install "$dotnet_pkg" || log "installing $dotnet_pkg failed: the dotnet restore test will be skipped"
  else
    log "no .NET SDK package in this machine's package sources: the NuGet 'dotnet restore' test will be skipped"
  fi
fi

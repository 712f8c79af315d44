#!/usr/bin/env bash
# One idempotent set-up for a fresh machine: a current Node LTS (from the npm registry when the machine's
# Node is too old), pnpm, the workspace's Node packages, Debian's nix-bin, and the native tools that the
# end-to-end tests drive (each in scripts/setup.d/). Source-able: it exports PATH for the caller.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE_LTS_MAJOR=24
PNPM_VERSION=10.34.8
mkdir -p "$TOOLS"
log() { printf 'setup: %s\n' "$*" >&2; }

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'
}

export PATH="$TOOLS/node/node_modules/.bin:$TOOLS/pnpm/node_modules/.bin:$TOOLS/bin:$PATH"
if ! node_ok; then
  log "Node $(node --version 2>/dev/null || echo missing) is older than 22.19: installing Node $NODE_LTS_MAJOR LTS from the npm registry"
  command -v npm >/dev/null 2>&1 || { log "npm is needed to fetch Node; install Debian's npm first"; exit 1; }
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$TOOLS/node" "node@$NODE_LTS_MAJOR" >&2
  hash -r
  node_ok || { log "Node install failed"; exit 1; }
fi
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$TOOLS/pnpm" "pnpm@$PNPM_VERSION" >&2
  hash -r
fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"; DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2; apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

if ! command -v nix-build >/dev/null 2>&1; then apt_install nix-bin; fi
# Debian's nix-bin: single-user as root, the Debian default sandbox = false.
if ! grep -qs '^sandbox = false' /etc/nix/nix.conf; then
  mkdir -p /etc/nix && printf 'sandbox = false\n' >> /etc/nix/nix.conf
fi
command -v git >/dev/null 2>&1 || apt_install git

log "pnpm install"
(cd "$ROOT" && pnpm install --frozen-lockfile --reporter=silent >&2)

# Native tools per ecosystem (cargo, yarn, poetry, dotnet ...), one drop-in each.
for f in "$ROOT"/scripts/setup.d/*.sh; do
  [ -e "$f" ] || continue
  # shellcheck source=/dev/null
  . "$f"
done

cat > "$TOOLS/env.sh" <<ENV
export PATH="$TOOLS/node/node_modules/.bin:$TOOLS/pnpm/node_modules/.bin:$TOOLS/bin:\$PATH"
ENV
log "ready: node $(node --version), pnpm $(pnpm --version), $(nix-build --version)"

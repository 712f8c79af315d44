# Cargo for the Cargo end-to-end tests: the machine's own cargo (rustup or Debian's), checked here and never
# downloaded (no toolchain installer reaches the outside internet). Sourced by scripts/setup.sh (log is set).
if command -v cargo >/dev/null 2>&1 && cargo --version >/dev/null 2>&1; then
  log "cargo: $(cargo --version)"
  if ! command -v git >/dev/null 2>&1; then
    log "git not found: the Cargo end-to-end tests (git dependencies) will be skipped"
  fi
else
  log "cargo not found: the Cargo end-to-end tests will be skipped (install Debian's cargo package or rustup to run them)"
fi

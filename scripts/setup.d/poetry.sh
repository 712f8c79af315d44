# Poetry 2.x for the Poetry end-to-end tests: a virtual environment under .tools/poetry, linked as
# .tools/bin/poetry. Idempotent; sourced by scripts/setup.sh (TOOLS and log are set there).
POETRY_SPEC='poetry>=2,<3'
if ! "$TOOLS/poetry/bin/poetry" --version 2>/dev/null | grep -q 'version 2\.'; then
  if command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
    log "installing $POETRY_SPEC into $TOOLS/poetry"
    python3 -m venv --clear "$TOOLS/poetry" >&2
    "$TOOLS/poetry/bin/python" -m pip install --quiet --disable-pip-version-check "$POETRY_SPEC" >&2
  else
    log "python3 >= 3.9 not found: Poetry end-to-end tests will be skipped"
  fi
fi
if [ -x "$TOOLS/poetry/bin/poetry" ]; then
  mkdir -p "$TOOLS/bin"
  ln -sf "$TOOLS/poetry/bin/poetry" "$TOOLS/bin/poetry"
fi
# Poetry 1.8 as well: it writes lock-version 2.0 (per-package files, no groups or markers), which the second
# end-to-end test locks with.
if ! "$TOOLS/poetry1/bin/poetry" --version 2>/dev/null | grep -q 'version 1\.8'; then
  if [ -x "$TOOLS/poetry/bin/python" ]; then
    log "installing poetry 1.8 into $TOOLS/poetry1"
    python3 -m venv --clear "$TOOLS/poetry1" >&2
    "$TOOLS/poetry1/bin/python" -m pip install --quiet --disable-pip-version-check 'poetry>=1.8,<1.9' >&2
  fi
fi
if [ -x "$TOOLS/poetry1/bin/poetry" ]; then ln -sf "$TOOLS/poetry1/bin/poetry" "$TOOLS/bin/poetry1"; fi

# Real build backends the Poetry end-to-end test serves from its loopback index (a setuptools new enough to
# build wheels without the `wheel` package).
if [ -x "$TOOLS/poetry/bin/python" ] && ! ls "$TOOLS/poetry-wheels"/setuptools-*.whl >/dev/null 2>&1; then
  log "downloading a setuptools wheel into $TOOLS/poetry-wheels"
  "$TOOLS/poetry/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
    -d "$TOOLS/poetry-wheels" 'setuptools>=70.1,<81' >&2
fi

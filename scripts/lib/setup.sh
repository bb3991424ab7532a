# Shared set-up steps for the scripts in scripts/. Each step is idempotent: it does nothing when
# what it installs is already there and unchanged.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"

say() { printf '==> %s\n' "$*" >&2; }

require_python() {
  PYTHON="${PYTHON:-python3}"
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    say "python3 was not found: install Python 3.11 or newer and run this again."
    exit 1
  fi
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    say "orgstack needs Python 3.11 or newer; $("$PYTHON" --version) was found."
    exit 1
  fi
  if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    install_debian_packages python3-venv
  fi
}

install_debian_packages() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "Missing system packages: $*. Install them with your package manager and run this again."
    exit 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "Installing system packages: $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# ensure_chromium: install Debian's Chromium, which the portal's browser tests drive through
# Playwright (Playwright's own browser download is never used).
ensure_chromium() {
  [ -x /usr/bin/chromium ] || install_debian_packages chromium
}

# ensure_awscli_v2: install Debian's awscli package, the AWS CLI v2 that the SSO login test runs
# as /usr/bin/aws (the venv's aws is the PyPI CLI v1).
ensure_awscli_v2() {
  [ -x /usr/bin/aws ] || install_debian_packages awscli
}

# ensure_venv EXTRAS: create .venv and install orgstack with the given extras ("" or "test,bench"),
# skipping pip when pyproject.toml has not changed since the last install.
ensure_venv() {
  local extras="$1"
  require_python
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtual environment in .venv"
    "$PYTHON" -m venv "$VENV"
  fi
  local target="."
  [ -z "$extras" ] || target=".[${extras}]"
  local stamp="$VENV/.orgstack-installed-${extras:-base}"
  local digest
  digest="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return 0
  fi
  say "Installing orgstack ${extras:+with $extras extras }into .venv (pip shows its progress)"
  # pip's output goes to standard error, so standard output carries only what the script prints
  # (the server's export lines).
  "$VENV/bin/python" -m pip install --upgrade --quiet pip >&2
  "$VENV/bin/python" -m pip install --progress-bar on -e "$ROOT/$target" >&2
  echo "$digest" >"$stamp"
}

# ensure_node_packages DIR: install the npm packages of DIR from its lock file.
ensure_node_packages() {
  local dir="$ROOT/$1"
  if ! command -v npm >/dev/null 2>&1; then
    install_debian_packages nodejs npm
  fi
  local stamp="$dir/node_modules/.orgstack-installed"
  local digest
  digest="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return 0
  fi
  say "Installing npm packages in $1"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  echo "$digest" >"$stamp"
}

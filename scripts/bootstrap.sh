#!/usr/bin/env bash
# Set up phyclone on a fresh Debian machine (system packages when run as root, a local .venv)
# and run one of: demo | test.  Usage: bash scripts/bootstrap.sh demo|test [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-test}"; shift || true

apt_pkgs="xvfb xauth libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0 libxcb-icccm4
  libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-xinerama0 libxcb-shape0 libgomp1"
python3 -c "import ensurepip, venv" 2>/dev/null || apt_pkgs="$apt_pkgs python3-venv"
missing=""
for p in $apt_pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "[bootstrap] installing system packages:$missing"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "[bootstrap] missing system packages:$missing (run as root or: sudo apt-get install$missing)" >&2
  fi
fi

venv="${PHYCLONE_VENV:-.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.phyclone-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "[bootstrap] installing Python packages into $venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install -q -e ".[test,ipython,efeatures,dask]"
  touch "$stamp"
fi
export PATH="$(cd "$venv" && pwd)/bin:$PATH"

run_x() {  # run a command on the current display, or on a private Xvfb when there is none
  if [ -n "${DISPLAY:-}" ]; then "$@"; else
    xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" "$@"; fi
}

case "$what" in
  test)
    ruff check phyclone tests benchmarks examples scripts
    lint-imports --config pyproject.toml
    mypy  # the typed public API of the core packages ([tool.mypy] in pyproject.toml)
    site="$(mktemp -d)"; trap 'rm -rf "$site"' EXIT  # the docs are built, never into the repo
    mkdocs build --strict --quiet --site-dir "$site"
    run_x python -m pytest "$@"
    ;;
  demo)  # phy demo runs itself under Xvfb when there is no display
    phy demo "$@"
    ;;
  *) echo "usage: bash scripts/bootstrap.sh demo|test" >&2; exit 2 ;;
esac

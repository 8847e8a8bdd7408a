#!/usr/bin/env bash
# The README's two commands:
#   ./dev.sh serve   set up, load the demo county, run the server on http://127.0.0.1:5000
#   ./dev.sh test    set up, run the whole test suite (extra arguments go to pytest)
# Set-up is idempotent: Debian packages when run as root, a virtualenv in .venv,
# Python packages from pyproject.toml (reinstalled only when it changes).
set -euo pipefail
cd "$(dirname "$0")"

# java: ODK Validate; chromium: browser tests; fonts-noto-cjk: Chinese in screenshots and PDFs;
# pango: WeasyPrint (PDFs); poppler-utils: pdftoppm (PDF pages to PNG in tests)
DEBIAN_PACKAGES=(python3-venv default-jre-headless chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)

ensure_debian() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 0
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  # java from elsewhere (e.g. a JDK on PATH) is as good as Debian's
  if command -v java >/dev/null; then missing=("${missing[@]/default-jre-headless}"); fi
  # npm (with Node.js): installs ODK Web Forms from package-lock.json; any npm on PATH will do
  command -v npm >/dev/null || missing+=(npm)
  missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_python() {
  local py=${PYTHON:-python3}
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
  fi
  local stamp
  stamp=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f .venv/.deps-stamp ] || [ "$(cat .venv/.deps-stamp)" != "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    echo "$stamp" > .venv/.deps-stamp
  fi
}

# ODK Web Forms for the browser-phone pages: node_modules from the committed package-lock.json
# (npm ci again only when the lock file changes; without npm the pages say the component is missing)
ensure_node() {
  [ -f package-lock.json ] || return 0
  if ! command -v npm >/dev/null; then
    echo "npm not found: the web-form pages (/web) will not work until Node.js and npm are installed" >&2
    return 0
  fi
  local stamp
  stamp=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -d node_modules ] || [ ! -f node_modules/.deps-stamp ] || [ "$(cat node_modules/.deps-stamp)" != "$stamp" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    echo "$stamp" > node_modules/.deps-stamp
  fi
}

case "${1:-}" in
  serve)
    shift
    ensure_debian; ensure_python; ensure_node
    .venv/bin/zoufang init
    .venv/bin/zoufang demo
    exec .venv/bin/zoufang serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}" "$@"
    ;;
  test)
    shift
    ensure_debian; ensure_python; ensure_node
    set +e
    .venv/bin/python -m pytest "$@"
    rc=$?
    set -e
    if [ $rc -eq 5 ]; then
      echo "pytest collected no tests: that is a failure here" >&2
      exit 1
    fi
    exit $rc
    ;;
  *)
    echo "usage: ./dev.sh serve | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac

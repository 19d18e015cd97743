#!/usr/bin/env bash
# Install what the docs/diagram tests (tests/render) need beyond `pip install -e .[test]`:
#   * Graphviz `dot` (Debian `graphviz`): lays out the PNG/SVG diagrams (also needed by users);
#   * Debian `chromium`: the browser the HTML-site test drives (never `playwright install`, which
#     downloads its own browser and fails offline);
#   * Playwright's Python package (the driver only);
#   * the Mermaid and DBML parsers (npm, pinned in tests/render/js/package-lock.json) that check
#     our diagram text parses in the tools' own grammars.
# Idempotent: skips what is already there. Usage: bash scripts/install-render-test-deps.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sudo=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi

apt_pkgs=()
command -v dot >/dev/null || apt_pkgs+=(graphviz)
command -v chromium >/dev/null || apt_pkgs+=(chromium)
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  echo "installing ${apt_pkgs[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" fonts-dejavu-core >/dev/null
fi

py="$(command -v python3 || command -v python)"
"$py" -c "import playwright" 2>/dev/null || "$py" -m pip install -q --disable-pip-version-check "playwright>=1.45"

if command -v npm >/dev/null; then
  cd "$root/tests/render/js"
  if [ ! -d node_modules/@dbml/core ] || [ ! -d node_modules/mermaid ]; then
    echo "installing the Mermaid and DBML parsers (npm)"
    if [ -f package-lock.json ]; then
      npm ci --no-audit --no-fund --loglevel=error
    else
      npm install --no-audit --no-fund --loglevel=error
    fi
  fi
else
  echo "npm not found: the Mermaid/DBML grammar tests will be skipped" >&2
fi

#!/usr/bin/env bash
# What a newcomer does, checked: clone this repository's committed HEAD into an empty folder (nothing
# beside it: no ../shared), make a fresh venv, and run the README's first set-up command exactly as the
# README spells it. With --tests, also `pip install -e '.[test]'`, collect the whole suite (no collection
# errors) and run the tests that read the vendored corpus (pagila) plus tests/test_cli_basics.py.
#
# Usage: bash scripts/fresh-clone-check.sh [--private] [--tests] [--keep]
#   --private  the clone and the venv live in a folder only its owner can enter (chmod 700); as root
#              this is a venv under /root, where the embedded server's OS user cannot read the wheel
#   --tests    also install the test extras and run the tests named above (not the whole suite)
#   --keep     leave the folder in place (its path is printed)
# Needs network access for pip. The sandbox gets a data folder of its own, stopped and removed at the end.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=755 tests=0 keep=0
for arg in "$@"; do
  case "$arg" in
    --private) mode=700 ;;
    --tests) tests=1 ;;
    --keep) keep=1 ;;
    *) echo "unknown option: $arg" >&2; exit 1 ;;
  esac
done

# The checkout's own settings must not leak into the fresh one.
unset PYTHONPATH AISHELL_CORPUS_DIR AISHELL_TEST_DATABASE_URL AISHELL_SCRATCH_URL VIRTUAL_ENV

dir="$(mktemp -d /tmp/aishell-fresh.XXXXXX)"
chmod "$mode" "$dir"
# Where the server's OS user can reach it (as root's default, /var/cache/aishell/sandbox, is).
sandbox="$(mktemp -d /tmp/aishell-fresh-sandbox.XXXXXX)"
chmod 755 "$sandbox"
export AISHELL_SANDBOX_DIR="$sandbox/sandbox"
cleanup() {
  if [ -x "$dir/venv/bin/aishell" ]; then "$dir/venv/bin/aishell" sandbox stop >/dev/null 2>&1 || true; fi
  rm -rf "$sandbox"
  if [ "$keep" = 1 ]; then echo "kept: $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

git clone --quiet "$src" "$dir/x"
python3 -m venv "$dir/venv"
# shellcheck disable=SC1091
. "$dir/venv/bin/activate"
cd "$dir/x"
[ ! -e "$dir/shared" ] || { echo "unexpected ../shared beside the clone" >&2; exit 1; }

# The README's first command: the first line of the first bash block under "## Set up".
first="$(awk '/^## Set up/{s=1} s&&/^```bash/{getline; print; exit}' README.md)"
[ -n "$first" ] || { echo "no set-up command found in README.md" >&2; exit 1; }
echo "== README, first command (folder mode $mode): $first"
start=$(date +%s)
bash -c "$first"
echo "== first command passed in $(( $(date +%s) - start )) s"

if [ "$tests" = 1 ]; then
  echo "== pip install -e '.[test]'"
  python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
  echo "== collecting the whole suite"
  python3 -m pytest --collect-only -q -p no:cacheprovider >"$dir/collect.txt" 2>&1 || {
    tail -30 "$dir/collect.txt"; exit 1; }
  tail -1 "$dir/collect.txt"
  echo "== the tests that read the vendored corpus (pagila), and tests/test_cli_basics.py"
  python3 -m pytest -q -p no:xdist -p no:cacheprovider tests \
    -k "pagila or sql_source_runs_structural_rules or sample_data_for_an_inspected_schema"
  python3 -m pytest -q -p no:xdist -p no:cacheprovider tests/test_cli_basics.py
fi

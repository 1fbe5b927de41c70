#!/usr/bin/env bash
# Runs the sample app's pytest suite in a venv under .cache/, installing the locked,
# hash-checked requirements (npm run test:py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.cache/app-venv"
python=${PYTHON:-python3}
stamp="$venv/.requirements.sha256"
want=$(cat "$root/app/requirements.txt" "$root/app/requirements-test.txt" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
    -r "$root/app/requirements.txt" -r "$root/app/requirements-test.txt"
  echo "$want" >"$stamp"
fi
cd "$root/app"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"

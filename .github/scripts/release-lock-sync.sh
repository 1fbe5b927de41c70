#!/usr/bin/env bash
# Copies what the rebuild pipeline published (gs://.../release/: release-lock.json, the locks
# and python-versions.json it built from; scripts/rebuild/release.ts) into image/, after
# checking that every digest the release lock names is in the registry, so a pull request
# never proposes a digest that cannot be pulled.
#   release-lock-sync.sh gs://BUCKET/release/
# Needs gcloud with credentials that may read those objects and the repository.
set -euo pipefail
url=${1:?usage: release-lock-sync.sh gs://BUCKET/release/}
case "$url" in gs://*/) ;; *) echo "release-lock-sync: $url: expected gs://BUCKET/PREFIX/ (with the trailing slash)" >&2; exit 2 ;; esac
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# Named objects only (no listing): the reader's grant is limited to this prefix by an IAM
# condition, which a bucket-level list would not pass.
if ! gcloud storage cp "${url}release-lock.json" "$work/release-lock.json"; then
  echo "release-lock-sync: cannot read ${url}release-lock.json (no rebuild has published yet, or no read grant)" >&2; exit 1
fi
gcloud storage cp "${url}python-versions.json" "$work/python-versions.json"
# One line per ref, then one per lock file: "ref <ref>" / "lock <flavor>-<minor>.json".
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
node -e '
  const lock = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const [flavor, minors] of Object.entries(lock.images ?? {})) {
    for (const [minor, variants] of Object.entries(minors)) {
      console.log(`lock ${flavor}-${minor}.json`);
      for (const v of Object.values(variants)) console.log(`ref ${v.ref}`);
    }
  }
  for (const a of Object.values(lock.apps ?? {})) console.log(`ref ${a.ref}`);
' "$work/release-lock.json" >"$work/contents"
mkdir -p "$work/locks"
while read -r kind value; do
  case "$kind" in
    lock) gcloud storage cp "${url}locks/$value" "$work/locks/$value" ;;
    ref)
      echo "checking $value is in the registry"
      gcloud artifacts docker images describe "$value" --format='value(image_summary.digest)' >/dev/null ;;
  esac
done <"$work/contents"
cp "$work/release-lock.json" image/release-lock.json
cp "$work/python-versions.json" image/python-versions.json
cp "$work"/locks/*.json image/locks/
git --no-pager diff --stat -- image/

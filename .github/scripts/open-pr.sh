#!/usr/bin/env bash
# Commits the given paths (when they changed) to BRANCH, force-pushes it and opens a pull
# request to main, or leaves the open one (its preview reruns on the push).
#   open-pr.sh BRANCH TITLE BODY_FILE PATH...
# Env: GH_TOKEN (a token that may push and open pull requests), GITHUB_REPOSITORY;
# PUSH_URL overrides the remote pushed to (default: the repository on github.com with GH_TOKEN).
# Prints "no change" and exits 0 when the paths equal main's.
set -euo pipefail
branch=$1 title=$2 body=$3; shift 3
if git diff --quiet -- "$@" && [ -z "$(git ls-files --others --exclude-standard -- "$@")" ]; then
  echo "no change in $*"
  exit 0
fi
git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git checkout -q -B "$branch"
git add -- "$@"
message=$(mktemp); trap 'rm -f "$message"' EXIT
{ echo "$title"; echo; cat "$body"; } >"$message"
git commit -q -F "$message"
git push -q --force "${PUSH_URL:-https://x-access-token:${GH_TOKEN}@github.com/${GITHUB_REPOSITORY}.git}" "HEAD:refs/heads/$branch"
if [ -n "$(gh pr list --head "$branch" --state open --json number --jq '.[].number')" ]; then
  echo "pull request for $branch already open: updated by the push"
else
  gh pr create --base main --head "$branch" --title "$title" --body-file "$body"
fi

#!/usr/bin/env bash
# Opens an issue for a stack whose refreshed state differs from the program (drift), or
# comments on the one already open, naming the run that found it.
#   drift-issue.sh STACK RUN_URL
# Env: GH_TOKEN (issues: write), GITHUB_REPOSITORY.
set -euo pipefail
stack=$1 run=$2
title="Drift: stack $stack differs from the program"
body="\`pulumi preview --refresh --expect-no-changes\` of stack \`$stack\` found changes: $run

Someone changed a resource outside Pulumi, or the program changed without a deploy. Read the
run's preview, then either \`pulumi up\` (through a pull request) to restore the program's
state, or change the program to adopt the change."
existing=$(gh issue list --state open --search "\"$title\" in:title" --json number --jq '.[0].number // empty')
if [ -n "$existing" ]; then
  gh issue comment "$existing" --body "Still drifting: $run"
else
  gh issue create --title "$title" --body "$body"
fi

#!/usr/bin/env bash
# buf breaking: do the protos of the work tree break the gRPC clients of an earlier commit's
# (HEAD~1 unless BREAKING_AGAINST names another)? The earlier protos are taken from git with
# `git archive`, given the same third-party protos (make protodeps, not in git) and built into
# an image, because buf's own .git input would lack those. Without an earlier commit (the
# first commit) or without protos in it there is nothing to compare, and it says so.
set -euo pipefail
cd "$(dirname "$0")/.."
against=${BREAKING_AGAINST:-HEAD~1}
buf=${BUF:-bin/buf}

if ! git rev-parse --verify -q "$against^{commit}" >/dev/null; then
  if [ "$(git rev-parse --is-shallow-repository)" = true ] && git remote | grep -q .; then
    git fetch -q --deepen=1 || true # a shallow clone lacks the parent; ask for one more commit
  fi
  if ! git rev-parse --verify -q "$against^{commit}" >/dev/null; then
    echo "breaking: no commit $against (the first commit has no parent): nothing to compare the protos with"
    exit 0
  fi
fi
if [ -z "$(git ls-tree -d "$against" proto)" ]; then
  echo "breaking: $against has no proto/: nothing to compare with"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$against" proto buf.yaml | tar -x -C "$tmp"
cp -r third_party "$tmp/"
"$buf" build "$tmp/proto" -o "$tmp/against.binpb"
"$buf" breaking proto --against "$tmp/against.binpb"
echo "breaking: the protos keep every gRPC contract of $(git rev-parse --short "$against")"

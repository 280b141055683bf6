#!/usr/bin/env bash
# Fills deploy/krew/oomdoc.yaml's version and sha256 values from built release archives.
#
#   deploy/krew/render.sh VERSION DIR > oomdoc.yaml
#
# DIR holds oomdoc-VERSION-{linux,darwin}-{amd64,arm64}.tar.gz (each with kubectl-oomdoc at its
# root). Fails, printing nothing, if an archive is missing or lacks the binary, or if a
# placeholder is left unfilled.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 VERSION DIR   (e.g. $0 v0.1.0 dist/)" >&2
    exit 2
fi
version=$1
dir=$2
case "$version" in
    v[0-9]*) ;;
    *) echo "render.sh: VERSION must look like v0.1.0 (krew wants a leading v), got '$version'" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
template="$here/oomdoc.yaml"

sha256() {
    if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

args=(-e "s/@VERSION@/$version/g")
for os in linux darwin; do
    for arch in amd64 arm64; do
        archive="$dir/oomdoc-$version-$os-$arch.tar.gz"
        if [ ! -f "$archive" ]; then
            echo "render.sh: missing $archive" >&2
            exit 1
        fi
        listing=$(tar -tzf "$archive")
        if ! grep -qx '\(\./\)\{0,1\}kubectl-oomdoc' <<<"$listing"; then
            echo "render.sh: $archive has no kubectl-oomdoc at its root" >&2
            exit 1
        fi
        key=$(echo "${os}_${arch}" | tr '[:lower:]' '[:upper:]')
        args+=(-e "s/@SHA256_${key}@/$(sha256 "$archive")/")
    done
done
out=$(sed "${args[@]}" "$template")
if grep -q '@[A-Z0-9_]*@' <<<"$out"; then
    echo "render.sh: placeholders left unfilled:" >&2
    grep -o '@[A-Z0-9_]*@' <<<"$out" | sort -u >&2
    exit 1
fi
printf '%s\n' "$out"

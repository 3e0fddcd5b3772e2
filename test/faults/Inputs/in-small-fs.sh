#!/bin/sh
# in-small-fs.sh SIZE DIR COMMAND...: runs COMMAND with a SIZE tmpfs mounted
# on DIR in a private mount namespace (gone when COMMAND ends, so COMMAND
# makes its own checks).
size=$1 dir=$2
shift 2
mkdir -p "$dir"
exec unshare -rm sh -c 'mount -t tmpfs -o size="$0" none "$1" && shift && exec "$@"' "$size" "$dir" "$@"

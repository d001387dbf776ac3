#!/usr/bin/env bash
# Writes a minimal busybox root filesystem as a tar to stdout: Debian's busybox-static plus
# one symlink per applet, /etc/passwd and /etc/group. There is no Docker Hub here, so this
# is the base image (`wharf import`) for the first container and for the tests.
set -euo pipefail
bb=/bin/busybox
[ -x "$bb" ] || { echo "make-busybox-rootfs: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
mkdir -p "$dir"/{bin,etc,root,tmp,home/wharf,var,usr/bin,proc,sys,dev}
chmod 1777 "$dir/tmp"; chmod 700 "$dir/root"
cp "$bb" "$dir/bin/busybox"
for a in $("$bb" --list); do [ "$a" = busybox ] || ln -s busybox "$dir/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nwharf:x:1000:1000:wharf:/home/wharf:/bin/sh\n' > "$dir/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\nwheel:x:10:wharf\nnogroup:x:65534:\nwharf:x:1000:\n' > "$dir/etc/group"
chown 1000:1000 "$dir/home/wharf"
tar -C "$dir" --numeric-owner -cf - .

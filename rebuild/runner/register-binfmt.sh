#!/bin/sh
# register-binfmt: registers qemu-user-static's binfmt handlers in the kernel this container
# runs on, so arm64 images run under emulation on an amd64 build machine. Needs a privileged
# container (the rebuild's `binfmt` step runs one); the F flag of Debian's descriptions makes
# the kernel open the interpreter now, so it works inside other containers' filesystems too.
set -eu

mnt=/proc/sys/fs/binfmt_misc
if [ ! -e "$mnt/register" ]; then
    mount -t binfmt_misc binfmt_misc "$mnt"
fi
registered=0
for conf in /usr/lib/binfmt.d/qemu-aarch64.conf; do
    if [ ! -f "$conf" ]; then
        echo "ERROR: $conf missing: is qemu-user-static installed?" >&2
        exit 1
    fi
    name=$(cut -d: -f2 "$conf")
    if [ -e "$mnt/$name" ]; then
        echo "binfmt: $name already registered"
    else
        cat "$conf" > "$mnt/register"
        echo "binfmt: registered $name"
    fi
    registered=$((registered + 1))
done
echo "binfmt: $registered handler(s) ready"

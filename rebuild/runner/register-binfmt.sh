#!/bin/sh
# register-binfmt: registers qemu-user-static's aarch64 binfmt handler in the kernel this
# container runs on, so arm64 images run under emulation on an amd64 build machine. Needs a
# privileged container (the rebuild's `binfmt` step runs one). Debian's description carries
# the F flag: the kernel opens the interpreter at registration, so it also works inside
# other containers' filesystems.
#   env: BINFMT_CONF (default /usr/lib/binfmt.d/qemu-aarch64.conf), BINFMT_MISC (default /proc/sys/fs/binfmt_misc)
set -eu

conf=${BINFMT_CONF:-/usr/lib/binfmt.d/qemu-aarch64.conf}
mnt=${BINFMT_MISC:-/proc/sys/fs/binfmt_misc}
if [ ! -f "$conf" ]; then
    echo "ERROR: $conf missing: is qemu-user-static installed?" >&2
    exit 1
fi
case "$(cut -d: -f8 "$conf")" in
    *F*) ;;
    *) echo "ERROR: $conf lacks the F (fix binary) flag; other containers could not find the interpreter" >&2; exit 1 ;;
esac
if [ ! -e "$mnt/register" ]; then
    mount -t binfmt_misc binfmt_misc "$mnt"
fi
name=$(cut -d: -f2 "$conf")
if [ -e "$mnt/$name" ]; then
    echo "binfmt: $name already registered"
else
    cat "$conf" > "$mnt/register"
    echo "binfmt: registered $name"
fi

#!/usr/bin/env bash
# The usual alternative side of the image benchmark (E): the layers of the
# aws_batch worker image built by hand, as a Dockerfile-less CI script does it:
# `uv pip install --target` of the pinned requirements for linux aarch64 /
# CPython 3.11 into OUT/rootfs/opt/python, then `tar` + `gzip -n` of the same
# three layers as py_image_layer(groups = {"numpy": ["numpy"]}) writes: numpy,
# the other packages, the application (/var/task/worker.py). Reproducible
# tar options (sorted names, mtime 0, owner 0), gzip level 6.
#
#   image_tar.sh all UV CACHE_DIR REQUIREMENTS APP_FILE OUT [UV_ARGS...]   # install + 3 layers
#   image_tar.sh app OUT APP_FILE                                         # only the app layer again
#   image_tar.sh layers OUT                                               # the 3 layers of the installed tree again
#
# OUT/layers/{numpy,packages,app}.tar.gz are replaced.
set -euo pipefail

tgz() { # OUT.tar.gz DIR PATHS...: a reproducible tar.gz of PATHS (relative to DIR)
    local out=$1 dir=$2
    shift 2
    tar -C "$dir" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
        --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf - "$@" | gzip -n -6 >"$out"
}

app_layer() { # OUT APP_FILE
    local out=$1
    rm -rf "$out/app-root" && mkdir -p "$out/app-root/var/task" "$out/layers"
    cp "$2" "$out/app-root/var/task/"
    tgz "$out/layers/app.tar.gz" "$out/app-root" var
}

package_layers() { # OUT
    local out=$1 site=opt/python
    mkdir -p "$out/layers"
    local numpy=() others=() p
    for p in "$out/rootfs/$site"/*; do
        case "$(basename "$p")" in
            numpy | numpy-*.dist-info | numpy.libs) numpy+=("$site/$(basename "$p")") ;;
            *) others+=("$site/$(basename "$p")") ;;
        esac
    done
    tgz "$out/layers/numpy.tar.gz" "$out/rootfs" "${numpy[@]}"
    tgz "$out/layers/packages.tar.gz" "$out/rootfs" "${others[@]}"
}

case "${1:-}" in
    all)
        uv=$2 cache=$3 reqs=$4 app=$5 out=$6
        shift 6
        rm -rf "$out" && mkdir -p "$out/rootfs/opt/python"
        env -u UV_INDEX_URL -u UV_EXTRA_INDEX_URL -u UV_FIND_LINKS -u PIP_INDEX_URL \
            "$uv" pip install -q --no-deps --require-hashes --only-binary :all: \
            --python-platform aarch64-manylinux_2_28 --python-version 3.11 \
            --index-url https://pypi.org/simple --link-mode=copy --cache-dir "$cache" \
            --target "$out/rootfs/opt/python" -r "$reqs" "$@"
        # As the py_image_layer of the example: no __pycache__, no console scripts (bin/).
        find "$out/rootfs" -depth -type d -name __pycache__ -exec rm -rf {} +
        rm -rf "$out/rootfs/opt/python/bin"
        package_layers "$out"
        app_layer "$out" "$app"
        ;;
    app) app_layer "$2" "$3" ;;
    layers)
        package_layers "$2"
        tgz "$2/layers/app.tar.gz" "$2/app-root" var
        ;;
    *)
        echo "usage: image_tar.sh all|app|layers ..." >&2
        exit 2
        ;;
esac

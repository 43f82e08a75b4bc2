#!/usr/bin/env bash
# Rebuilds the crafted ELF fixtures of this directory with the host's gcc/g++
# (Debian 12, x86_64: gcc 12.2.0, glibc 2.36). See ../README.md.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=(gcc -shared -fPIC -Os -s)
g++ -std=c++17 -shared -fPIC -Os -s -o libneeds_glibcxx.x86_64.so src/glibcxx.cpp
"${cc[@]}" -Wl,-soname,libbundled-1a2b3c4d.so.1 -o libbundled-1a2b3c4d.so.1 src/bundled.c
# shellcheck disable=SC2016 # $ORIGIN is for the dynamic loader, not the shell.
"${cc[@]}" -Wl,-rpath,'$ORIGIN/../pkg.libs' -o _ext.cpython-311-x86_64-linux-gnu.so \
    src/ext.c -L. -l:libbundled-1a2b3c4d.so.1
# Stubs that only give the extension a DT_NEEDED name; they are not kept.
"${cc[@]}" -Wl,-soname,libpython3.11.so.1.0 -o "$tmp/libpython3.11.so.1.0" src/bundled.c
"${cc[@]}" -o _links_libpython.cpython-311-x86_64-linux-gnu.so src/ext.c -L"$tmp" -l:libpython3.11.so.1.0
"${cc[@]}" -Wl,-soname,libssl.so.3 -o "$tmp/libssl.so.3" src/bundled.c
"${cc[@]}" -o _needs_libssl.cpython-311-x86_64-linux-gnu.so src/ext.c -L"$tmp" -l:libssl.so.3

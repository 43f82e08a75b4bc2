#!/usr/bin/env python3
"""Writes a generated hostile lock (poetry.lock + pyproject.toml) into DIR.

The shape of tools/hub/tests/hostile.rs's large-lock test, as files, for
timing `ofiuco lock` before and after (docs/benchmarks.md, A3):
- `a` locked at N versions, and N packages `c<i>`, each pinning `a==1.<i>`;
- `x` with N extras over N optional dependencies;
- N project extras and N packages `m<i>` whose markers test one extra each.

usage: hostile_lock.py DIR [N]   (N defaults to 2500: 3 N + 1 packages)
"""

import sys
from pathlib import Path

GIT = (
    '[package.source]\ntype = "git"\nurl = "https://example.com/p.git"\nresolved_reference = "0"\n'
)


def package(name, version, extra=""):
    return f'[[package]]\nname = "{name}"\nversion = "{version}"\nfiles = []\n{extra}{GIT}\n'


def main():
    out = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2500
    out.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(n):
        parts.append(package("a", f"1.{i}"))
        parts.append(package(f"c{i}", "1.0") + f'[package.dependencies]\na = "==1.{i}"\n\n')
        parts.append(package(f"m{i}", "1.0", f'markers = "extra == \\"e{i}\\""\n'))
    x_deps = "".join(f'c{i} = {{version = "*", optional = true}}\n' for i in range(n))
    x_extras = "".join(f'x{i} = ["c{i}"]\n' for i in range(n))
    parts.append(
        package("x", "1.0") + f"[package.dependencies]\n{x_deps}\n[package.extras]\n{x_extras}\n"
    )
    parts.append(
        '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.10"\ncontent-hash = "0"\n'
    )
    (out / "poetry.lock").write_text("".join(parts))
    extras = "".join(f'e{i} = ["m{i}"]\n' for i in range(n))
    (out / "pyproject.toml").write_text(
        f'[project]\nname = "big"\n[project.optional-dependencies]\n{extras}'
    )


if __name__ == "__main__":
    main()

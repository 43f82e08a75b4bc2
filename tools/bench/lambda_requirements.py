#!/usr/bin/env python3
"""Pinned requirements (name==version --hash=...) for the uv rows of the lambda benchmark.

Reads a project's pyproject.toml and poetry.lock and prints the packages reachable from
[project].dependencies, minus the closure of the --exclude packages (what py_zip's
`exclude_packages` + `exclude_package_dependencies = True` leave out: packages only the
excluded ones need). Versions and sha256 hashes come from the lock, so `uv pip install
--no-deps --require-hashes -r` installs exactly the locked set, like the hub does.

    lambda_requirements.py PYPROJECT LOCK [--exclude NAME]... > requirements.txt
"""

import argparse
import re
import sys
import tomllib


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def req_name(spec: str) -> str:
    return norm(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec).group(1))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("pyproject")
    p.add_argument("lock")
    p.add_argument("--exclude", action="append", default=[])
    args = p.parse_args()

    with open(args.pyproject, "rb") as f:
        project = tomllib.load(f)
    with open(args.lock, "rb") as f:
        lock = tomllib.load(f)
    packages = {norm(pkg["name"]): pkg for pkg in lock["package"]}
    deps = {n: [norm(d) for d in pkg.get("dependencies", {})] for n, pkg in packages.items()}

    def closure(roots, skip=frozenset()):
        seen, todo = set(), [r for r in roots if r not in skip]
        while todo:
            n = todo.pop()
            if n in seen or n not in packages:
                continue
            seen.add(n)
            todo += [d for d in deps[n] if d not in skip]
        return seen

    roots = [req_name(s) for s in project["project"]["dependencies"]]
    excluded = {norm(e) for e in args.exclude}
    # Kept: everything reachable without going through an excluded package.
    kept = closure(roots, skip=excluded)
    for n in sorted(kept):
        pkg = packages[n]
        hashes = [f["hash"] for f in pkg.get("files", [])]
        line = f"{pkg['name']}=={pkg['version']}"
        print(" \\\n    ".join([line] + [f"--hash={h}" for h in hashes]))
    print(
        f"# {len(kept)} packages; left out: {', '.join(sorted(set(packages) - kept))}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

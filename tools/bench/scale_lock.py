#!/usr/bin/env python3
"""Writes a larger poetry.lock made of K renamed copies of a real one into DIR.

For the scale curve of docs/benchmarks.md (section A4): the same packages,
versions, files (names and sha256), markers, dependencies and extras as
the real lock, so the work per package is that of a real lock; copy k >= 2
renames every locked package `<name>` to `<name>-x<k>` (its files to
`<name>_x<k>-...`, its dependencies and extras to the copy's packages).
The project (`pyproject.toml`, copied beside) depends on the first copy.

usage: scale_lock.py LOCK DIR K   (LOCK: a poetry.lock of lock-version 2.x)
"""

import json
import re
import sys
import tomllib
from pathlib import Path


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def string(s):
    # A JSON string is a TOML basic string (json.dumps escapes what TOML must).
    return json.dumps(s, ensure_ascii=False)


def value(v):
    if isinstance(v, str):
        return string(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{string(k)} = {value(x)}" for k, x in v.items()) + "}"
    raise SystemExit(f"scale_lock.py: unexpected TOML value {v!r}")


def table(header, d):
    return f"[{header}]\n" + "".join(f"{string(k)} = {value(v)}\n" for k, v in d.items()) + "\n"


def renamer(locked, k):
    if k == 1:
        return lambda name: name
    return lambda name: f"{name}-x{k}" if norm(name) in locked else name


def rename_file(filename, name, k):
    if k == 1:
        return filename
    # Wheels and sdists start with the distribution name, then `-<version>`.
    head, sep, rest = filename.partition("-")
    if filename.endswith(".whl"):
        return f"{head}_x{k}{sep}{rest}"
    spelled = len(name)
    return f"{filename[:spelled]}_x{k}{filename[spelled:]}"


def requirement(text, rename):
    # `name (constraint) ; marker` or PEP 508: only the leading name changes.
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return rename(m.group(1)) + text[m.end() :] if m else text


def package(p, k, rename):
    q = dict(p)
    deps = q.pop("dependencies", None)
    extras = q.pop("extras", None)
    source = q.pop("source", None)
    q["name"] = rename(p["name"])
    q["files"] = [dict(f, file=rename_file(f["file"], p["name"], k)) for f in p.get("files", [])]
    out = "[[package]]\n" + "".join(f"{string(key)} = {value(v)}\n" for key, v in q.items()) + "\n"
    if deps:
        out += table("package.dependencies", {rename(n): v for n, v in deps.items()})
    if extras:
        out += table(
            "package.extras",
            {e: [requirement(r, rename) for r in reqs] for e, reqs in extras.items()},
        )
    if source:
        out += table("package.source", source)
    return out


def main():
    lock, out, copies = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    data = tomllib.loads(lock.read_text())
    locked = {norm(p["name"]) for p in data["package"]}
    parts = []
    for k in range(1, copies + 1):
        rename = renamer(locked, k)
        parts.extend(package(p, k, rename) for p in data["package"])
    parts.append(table("metadata", data["metadata"]))
    out.mkdir(parents=True, exist_ok=True)
    (out / "poetry.lock").write_text("".join(parts))
    pyproject = lock.with_name("pyproject.toml")
    if pyproject.is_file():
        (out / "pyproject.toml").write_text(pyproject.read_text())


if __name__ == "__main__":
    main()

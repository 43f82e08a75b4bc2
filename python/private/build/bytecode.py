"""Compiles the Python sources of a package (or application files) to hash-based bytecode.

Runs under an interpreter of the target's minor Python version (the magic
number of a `.pyc` differs per minor version). Reads a zip fragment
(`--fragment`, for `py_zip`) or an installed package tree (`--tree`, its
`site-packages`, for `py_image_layer`) and application files (`--file`), and
writes the `.pyc` files as a fragment that `ofiuco zip` copies beside the
sources (`--output`), or as a directory that `ofiuco layer` takes as one more
tree (`--output-dir`, with `--output-prefix site-packages` for a package):

- `pkg/__pycache__/mod.cpython-311.pyc` for every `pkg/mod.py` (`--layout pyc`),
  or `pkg/mod.pyc` (`--layout pyc-only`: the sourceless layout, the only one
  CPython imports without the `.py`);
- PEP 552 unchecked-hash pycs: a timestamp pyc in a zip with fixed dates would
  always be stale, a checked-hash one rehashes the source on every import;
- compiled with the path inside the archive as the file name, so tracebacks
  show `pkg/mod.py`, not a sandbox path;
- entries sorted, fixed dates and modes: the same sources give the same bytes.

A source that does not compile (Python 2 files some wheels carry, templates)
is left without bytecode, like pip and compileall do; the count is printed.

Exit status: 0 done, 2 the interpreter is not of the target's version.
"""

import argparse
import importlib.util
import os
import sys
import zipfile
from importlib import _bootstrap_external

import interpreter

# zipfile's earliest date, as ofiuco's fragments use it.
_DATE = (1980, 1, 1, 0, 0, 0)
# The comment `ofiuco zip` recognizes a fragment by (version 1: no checksum).
_COMMENT = "ofiuco-fragment/1 package="


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--python", required=True, help="the target's Python version, 3.X")
    p.add_argument("--package", required=True, help="the name recorded in the output fragment")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--output", help="the fragment of .pyc files to write")
    out.add_argument(
        "--output-dir", help="the (empty or new) directory to write the .pyc files into"
    )
    p.add_argument(
        "--output-prefix", default="", help="with --output-dir: the subdirectory the paths go below"
    )
    p.add_argument("--layout", choices=["pyc", "pyc-only"], default="pyc")
    p.add_argument(
        "--fragment", action="append", default=[], help="a fragment whose .py entries are compiled"
    )
    p.add_argument(
        "--tree",
        action="append",
        default=[],
        help="an installed package tree whose site-packages .py files are compiled",
    )
    p.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="ARCHIVE_PATH=PATH",
        help="an application file (only .py ones are compiled)",
    )
    return p.parse_args(argv)


def check_interpreter(want):
    have = interpreter.mismatch(want)
    if have:
        sys.stderr.write(
            f"ofiuco: cannot compile bytecode for CPython {want} with CPython {have} ({sys.executable}): "
            f"the .pyc format differs per minor version.\n"
            + interpreter.toolchain_hint(want, "as for source builds, docs/source-builds.md")
            + ', or set `bytecode = "none"`.\n'
        )
        sys.exit(2)


def sources(args):
    """(archive path, source bytes) of every .py file, sorted by path, and every file name of the fragments and trees."""
    found = {}
    names = set()
    for path in args.fragment:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                names.add(info.filename)
                if info.filename.endswith(".py") and not info.is_dir():
                    found[info.filename] = z.read(info)
    for tree in args.tree:
        root = os.path.join(tree, "site-packages")
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for filename in filenames:
                path = os.path.join(dirpath, filename)
                name = os.path.relpath(path, root).replace(os.sep, "/")
                names.add(name)
                if name.endswith(".py"):
                    with open(path, "rb") as f:
                        found[name] = f.read()
    for spec in args.file:
        name, _, path = spec.partition("=")
        if name.endswith(".py"):
            with open(path, "rb") as f:
                found[name] = f.read()
    return sorted(found.items()), names


def pyc_path(name, layout):
    if layout == "pyc-only":
        return name + "c"
    head, _, tail = name.rpartition("/")
    cached = f"__pycache__/{tail[:-3]}.{sys.implementation.cache_tag}.pyc"
    return f"{head}/{cached}" if head else cached


def compile_one(name, source):
    code = compile(source, name, "exec", dont_inherit=True, optimize=0)
    return bytes(
        _bootstrap_external._code_to_hash_pyc(
            code, importlib.util.source_hash(source), checked=False
        )
    )


def compile_all(args):
    """(sorted [(pyc path, bytes)], [sources that do not compile])."""
    compiled = []
    skipped = []
    found, shipped = sources(args)
    for name, source in found:
        target = pyc_path(name, args.layout)
        if target in shipped:
            # The wheel ships this pyc itself (numpy's distutils does): keep its own.
            continue
        try:
            compiled.append((target, compile_one(name, source)))
        except (SyntaxError, ValueError):
            skipped.append(name)
    return sorted(compiled), skipped


def write_zip(output, package, compiled):
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        out.comment = (_COMMENT + package).encode()
        for path, data in compiled:
            info = zipfile.ZipInfo(path, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            out.writestr(info, data)


def write_dir(output, prefix, compiled):
    # The prefix exists even without a pyc: `ofiuco layer` reads DIR/site-packages.
    root = os.path.join(output, prefix)
    os.makedirs(root, exist_ok=True)
    for path, data in compiled:
        dest = os.path.join(root, *path.split("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(data)


def main(argv):
    args = parse_args(argv)
    check_interpreter(args.python)
    compiled, skipped = compile_all(args)
    if args.output:
        write_zip(args.output, args.package, compiled)
    else:
        write_dir(args.output_dir, args.output_prefix, compiled)
    if skipped:
        print(
            f"ofiuco: {args.package}: {len(skipped)} file(s) do not compile and have no bytecode, e.g. {skipped[0]}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])

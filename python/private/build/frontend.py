"""ofiuco's PEP 517 build frontend: one sdist -> one wheel for a target, in a build action.

Runs under an exec interpreter of the target's minor Python version, with no
pip and no network: unpacks the sdist into a fresh work directory, writes the
cross environment (a sysconfigdata module for the target, a sitecustomize
that reports the target's machine, zig wrappers as CC/CXX/AR/LDSHARED), puts
the build dependencies' installed trees on PYTHONPATH, asks the backend
`get_requires_for_build_wheel`, checks every requirement is installed, then
calls `build_wheel`. Never inherits the host's CFLAGS/LDSHARED.

Exit codes: 0 built; 1 the backend failed (its output's tail is printed);
2 the environment cannot build (wrong interpreter, missing requirement).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import platform
import pprint
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import interpreter

EPOCH = "315532800"  # 1980-01-01, the earliest date a zip entry can carry
TAIL = 40

# Runs in the backend's process (cwd = the unpacked source tree): the PEP 517
# hooks, with the requirement check in between. Text from the sdist never
# becomes code here: the backend name arrives through argv.
HOOKS = r"""
import importlib, json, sys
backend_name, out_dir, static_json = sys.argv[1], sys.argv[2], sys.argv[3]
module_name, _, obj = backend_name.partition(":")
backend = importlib.import_module(module_name)
for part in obj.split(".") if obj else []:
    backend = getattr(backend, part)
dynamic = list(getattr(backend, "get_requires_for_build_wheel", lambda config_settings=None: [])({}))
from packaging.requirements import Requirement
from importlib.metadata import version, PackageNotFoundError
missing = []
for text in json.loads(static_json) + dynamic:
    req = Requirement(text)
    if req.marker is not None and not req.marker.evaluate():
        continue
    try:
        have = version(req.name)
    except PackageNotFoundError:
        missing.append((text, None))
        continue
    if req.specifier and not req.specifier.contains(have, prereleases=True):
        missing.append((text, have))
if missing:
    print("OFIUCO-MISSING " + json.dumps(missing), flush=True)
    sys.exit(3)
name = backend.build_wheel(out_dir, {})
print("OFIUCO-WHEEL " + name, flush=True)
"""

SITECUSTOMIZE = """\
# Written by ofiuco's build frontend: setup.py files that sniff the machine see the target's.
import os as _os, platform as _platform

_MACHINE = {machine!r}
_uname = _platform.uname()
_platform.machine = lambda: _MACHINE
_platform.uname = lambda: _uname._replace(machine=_MACHINE)
_os_uname = _os.uname


class _Uname(tuple):
    sysname = property(lambda self: self[0])
    nodename = property(lambda self: self[1])
    release = property(lambda self: self[2])
    version = property(lambda self: self[3])
    machine = property(lambda self: self[4])


def _fake_uname():
    u = _os_uname()
    return _Uname((u.sysname, u.nodename, u.release, u.version, _MACHINE))


_os.uname = _fake_uname
"""


class BuildError(Exception):
    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--sdist", help="the sdist to build")
    src.add_argument("--src-dir", help="a source tree to build (a git checkout, a local directory)")
    p.add_argument("--origin", default="", help="where --src-dir comes from, for messages")
    p.add_argument("--output", required=True, help="where to write the built wheel")
    p.add_argument("--package", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--target", required=True, help="the target, for messages")
    p.add_argument("--cpu", required=True, choices=["aarch64", "x86_64"])
    p.add_argument("--glibc", required=True, help="the glibc ceiling, 2.X")
    p.add_argument("--python", required=True, help="the target CPython, 3.X")
    p.add_argument(
        "--headers", required=True, help="a directory with the target's Python.h and pyconfig.h"
    )
    p.add_argument("--zig", default="", help="zig, the cross compiler (or --cc/--cxx/--ar)")
    p.add_argument("--cc", default="", help="the target's C compiler (a toolchain of the user's)")
    p.add_argument("--cxx", default="", help="the target's C++ compiler")
    p.add_argument("--ar", default="", help="the target's archiver")
    p.add_argument("--zig-cache", default="", help="a seeded zig cache to start from (copied)")
    p.add_argument(
        "--rust-bin", default="", help="the directory of cargo and rustc (Rust extensions)"
    )
    p.add_argument(
        "--cargo-vendor", default="", help="the vendored crates of the sdist's Cargo.lock"
    )
    p.add_argument("--backend", required=True)
    p.add_argument("--backend-path", action="append", default=[])
    p.add_argument("--requires", action="append", default=[], help="static build-system.requires")
    p.add_argument("--path", action="append", default=[], help="a build dependency's site-packages")
    p.add_argument(
        "--workdir",
        default="",
        help="build here instead of a fresh temp dir (kept; for reproducing)",
    )
    args = p.parse_args(argv)
    if not args.zig and not args.cc:
        p.error("give --zig, or the target's compilers with --cc (and --cxx, --ar)")
    return args


def check_interpreter(args: argparse.Namespace) -> None:
    have = interpreter.mismatch(args.python)
    if have:
        raise BuildError(
            f"ofiuco: cannot build {args.package} {args.version} for {args.target}: the build runs on "
            f"CPython {have} ({sys.executable}), but the target is CPython {args.python}, and a backend must "
            f"run on the target's Python version.\n"
            + interpreter.toolchain_hint(
                args.python,
                'see ofiuco\'s README, "Building from source", and tests/pythons/toolchains/BUILD.bazel',
            )
            + "."
        )


def unpack(sdist: Path, into: Path) -> Path:
    """Unpacks the sdist (paths confined to `into`); returns its one top directory."""
    into.mkdir(parents=True)
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as z:
            for info in z.infolist():
                target = (into / info.filename).resolve()
                if not target.is_relative_to(into.resolve()):
                    raise BuildError(
                        f"ofiuco: the sdist {sdist.name} has an entry outside its tree: {info.filename!r}"
                    )
            z.extractall(into)
    else:
        with tarfile.open(sdist) as t:
            if hasattr(tarfile, "data_filter"):
                t.extractall(into, filter="data")
            else:  # pragma: no cover - CPython < 3.11.4
                for m in t.getmembers():
                    if (
                        m.name.startswith("/")
                        or ".." in Path(m.name).parts
                        or m.issym()
                        or m.islnk()
                    ):
                        raise BuildError(
                            f"ofiuco: the sdist {sdist.name} has an unsafe entry: {m.name!r}"
                        )
                t.extractall(into)
    tops = [p for p in into.iterdir()]
    if len(tops) == 1 and tops[0].is_dir():
        return tops[0]
    return into


def copy_tree(tree: Path, into: Path) -> Path:
    """Copies a source tree (the action's inputs, often symlinks) into a writable directory."""
    if not tree.is_dir():
        raise BuildError(f"ofiuco: the source tree {str(tree)!r} is not a directory")
    # Files, not links: backends write beside their sources (egg-info, build/).
    shutil.copytree(tree, into, symlinks=False)
    return into


def write_wrapper(path: Path, argv: list[str]) -> None:
    path.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(a) for a in argv) + ' "$@"\n')
    path.chmod(0o755)


def cross_env(args: argparse.Namespace, work: Path, src: Path) -> tuple[dict[str, str], Path]:
    """The backend's environment and the directory of the generated modules."""
    triplet = f"{args.cpu}-linux-gnu"
    cross = work / "cross"
    tools = work / "bin"
    cross.mkdir()
    tools.mkdir()
    # -fno-sanitize=undefined: zig enables UBSan for code built without -O,
    # and then links its ~400 KB runtime into every shared object.
    # Paths are kept as the action sees them (no symlinks resolved): headers
    # and build dependencies under the execroot, sources under the work dir.
    flags = [
        "-g0",
        "-fno-sanitize=undefined",
        f"-ffile-prefix-map={os.getcwd()}=/execroot",
        f"-ffile-prefix-map={work}=/build",
        f"-ffile-prefix-map={src}=/build/src",
    ]
    if args.cc:
        # The user's toolchain compiles for the target already; its glibc
        # ceiling is its sysroot's (check-wheel verifies the result).
        def tool(path: str) -> str:
            return os.path.abspath(path) if os.sep in path else path

        write_wrapper(tools / "cc", [tool(args.cc), *flags])
        write_wrapper(tools / "c++", [tool(args.cxx or args.cc), *flags])
        write_wrapper(tools / "ar", [tool(args.ar or "ar")])
        write_wrapper(tools / "ranlib", [tool(args.ar or "ar"), "s"])
    else:
        zig = os.path.abspath(args.zig)
        target = ["-target", f"{triplet}.{args.glibc}"]
        write_wrapper(tools / "cc", [zig, "cc", *target, *flags])
        write_wrapper(tools / "c++", [zig, "c++", *target, *flags])
        write_wrapper(tools / "ar", [zig, "ar"])
        write_wrapper(tools / "ranlib", [zig, "ranlib"])
    cc, cxx = str(tools / "cc"), str(tools / "c++")
    ldshared, ldcxxshared = f"{cc} -shared -s", f"{cxx} -shared -s"
    headers = os.path.abspath(args.headers)
    soabi = "cpython-{}{}-{}".format(*args.python.split("."), triplet)
    cflags = "-fno-strict-aliasing -DNDEBUG -O2 -Wall -fPIC"
    vars_ = dict(sysconfig.get_config_vars())
    vars_.update(
        {
            "CC": cc,
            "CXX": cxx,
            "AR": str(tools / "ar"),
            "ARFLAGS": "rcs",
            "RANLIB": str(tools / "ranlib"),
            "LDSHARED": ldshared,
            "LDCXXSHARED": ldcxxshared,
            "BLDSHARED": ldshared,
            "CCSHARED": "-fPIC",
            "CFLAGS": cflags,
            "CFLAGS_NODIST": "",
            "CONFIGURE_CFLAGS": "",
            "CONFIGURE_CFLAGS_NODIST": "",
            "CONFIGURE_CPPFLAGS": "",
            "CONFIGURE_LDFLAGS": "",
            "CONFIGURE_LDFLAGS_NODIST": "",
            "CPPFLAGS": f"-I{headers}",
            "BASECFLAGS": "",
            "OPT": "-DNDEBUG -O2",
            "PY_CFLAGS": cflags,
            "PY_CFLAGS_NODIST": "",
            "PY_CORE_CFLAGS": cflags,
            "PY_CPPFLAGS": f"-I{headers}",
            "PY_LDFLAGS": "",
            "PY_LDFLAGS_NODIST": "",
            "LDFLAGS": "",
            "LDFLAGS_NODIST": "",
            "INCLUDEPY": headers,
            "CONFINCLUDEPY": headers,
            "INCLUDEDIR": headers,
            "EXT_SUFFIX": f".{soabi}.so",
            "SOABI": soabi,
            "MULTIARCH": triplet,
            "HOST_GNU_TYPE": triplet,
            "BUILD_GNU_TYPE": triplet,
            "MACHDEP": "linux",
            "LIBS": "",
            "SYSLIBS": "",
            "LDLIBRARY": "",
            "BLDLIBRARY": "",
            "LIBRARY": "",
            "LINKFORSHARED": "",
            "Py_ENABLE_SHARED": 0,
        }
    )
    name = f"_sysconfigdata__linux_{triplet}"
    (cross / f"{name}.py").write_text(
        "# Written by ofiuco's build frontend: the target's build configuration.\nbuild_time_vars = "
        + pprint.pformat(vars_, width=100)
        + "\n"
    )
    (cross / "sitecustomize.py").write_text(SITECUSTOMIZE.format(machine=args.cpu))
    cache = work / "zig-cache"
    if args.zig_cache:
        # Copies, not links: zig opens its cache files for writing (locks),
        # and a sandbox's inputs are links to read-only files.
        shutil.copytree(args.zig_cache, cache, symlinks=False)
    else:
        cache.mkdir()
    backend_path = [os.path.abspath(src / p) for p in args.backend_path]
    deps = [os.path.abspath(p) for p in args.path]
    env = {
        "PATH": f"{tools}:/usr/bin:/bin",
        "HOME": str(work),
        "TMPDIR": str(work / "tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join([str(cross), *backend_path, *deps]),
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "SOURCE_DATE_EPOCH": EPOCH,
        "_PYTHON_HOST_PLATFORM": f"linux-{args.cpu}",
        "_PYTHON_SYSCONFIGDATA_NAME": name,
        "CC": cc,
        "CXX": cxx,
        "AR": str(tools / "ar"),
        "LDSHARED": ldshared,
        "LDCXXSHARED": ldcxxshared,
        "CFLAGS": "",
        "CXXFLAGS": "",
        "CPPFLAGS": f"-I{headers}",
        "LDFLAGS": "",
        "ZIG_GLOBAL_CACHE_DIR": str(cache),
        "ZIG_LOCAL_CACHE_DIR": str(cache),
    }
    (work / "tmp").mkdir()
    for dep in deps:
        # Build tools that are programs (maturin, ninja, cmake) are in their tree's bin/.
        scripts = Path(dep).parent / "bin"
        if scripts.is_dir():
            env["PATH"] = f"{scripts}:{env['PATH']}"
    if args.rust_bin:
        env.update(rust_env(args, work, tools, cross))
        env["PATH"] = f"{os.path.abspath(args.rust_bin)}:{env['PATH']}"
    return env, cross


# rustc passes these to the linker for aarch64-unknown-linux-gnu; zig's linker
# does not know them (the erratum workaround is for Cortex-A53 cores, which no
# AWS Graviton has) or provides the same under another name.
RUST_LINK_FILTER = """#!/bin/sh
for a in "$@"; do
  shift
  case "$a" in
    -Wl,--fix-cortex-a53-843419|-Wl,--no-undefined-version) ;;
    -lgcc_s) set -- "$@" -lunwind ;;
    *) set -- "$@" "$a" ;;
  esac
done
exec {cc} "$@"
"""


def rust_host() -> tuple[str, str]:
    """This machine's Rust triple, and zig's target for linking what runs here
    (on linux: for any glibc from 2.17)."""
    machine = platform.machine().lower()
    machine = {"arm64": "aarch64", "amd64": "x86_64"}.get(machine, machine)
    if sys.platform == "darwin":
        return f"{machine}-apple-darwin", f"{machine}-macos"
    return f"{machine}-unknown-linux-gnu", f"{machine}-linux-gnu.2.17"


def rust_env(args: argparse.Namespace, work: Path, tools: Path, cross: Path) -> dict[str, str]:
    """cargo and rustc for the target, offline: vendored crates, zig as the linker."""
    triple = f"{args.cpu}-unknown-linux-gnu"
    host, host_zig_target = rust_host()
    rust_bin = Path(args.rust_bin).absolute()
    vendor = Path(args.cargo_vendor).absolute() if args.cargo_vendor else work / "cargo-vendor"
    vendor.mkdir(parents=True, exist_ok=True)

    def link_filter(name: str, cc: Path) -> Path:
        path = tools / name
        path.write_text(RUST_LINK_FILTER.format(cc=shlex.quote(str(cc))))
        path.chmod(0o755)
        return path

    linkers = {triple: link_filter("rust-cc", tools / "cc")}
    if host != triple and args.zig:
        # Build scripts and proc macros run here: linked for this host.
        host_cc = tools / "host-cc"
        write_wrapper(host_cc, [os.path.abspath(args.zig), "cc", "-target", host_zig_target, "-g0"])
        linkers[host] = link_filter("host-rust-cc", host_cc)
    home = work / "cargo-home"
    home.mkdir()
    config = [
        "[source.crates-io]",
        'replace-with = "ofiuco-vendored"',
        "[source.ofiuco-vendored]",
        f"directory = {json.dumps(str(vendor))}",
        "[net]",
        "offline = true",
    ]
    for t, path in linkers.items():
        config += [f"[target.{t}]", f"linker = {json.dumps(str(path))}"]
    (home / "config.toml").write_text("\n".join(config) + "\n")
    env = {
        "CARGO_HOME": str(home),
        "CARGO_NET_OFFLINE": "true",
        "CARGO_TARGET_DIR": str(work / "cargo-target"),
        "CARGO_BUILD_TARGET": triple,
        "CARGO_INCREMENTAL": "0",
        # Paths of this build (the execroot, the work directory) do not reach the binaries.
        "CARGO_ENCODED_RUSTFLAGS": "\x1f".join(
            [
                f"--remap-path-prefix={os.getcwd()}=/execroot",
                f"--remap-path-prefix={work}=/build",
                f"--remap-path-prefix={vendor}=/cargo/vendor",
                "-Cstrip=symbols",
            ]
        ),
        "RUSTC": str(rust_bin / "rustc"),
        "CARGO": str(rust_bin / "cargo"),
        # PyO3 reads the target interpreter from its sysconfigdata (no target Python runs).
        "PYO3_CROSS_LIB_DIR": str(cross),
        "PYO3_CROSS_PYTHON_VERSION": args.python,
        # maturin: the target, no manylinux audit of its own (check-wheel audits and
        # retags), offline. Not --frozen: maturin sdists leave out workspace members
        # that the wheel does not need (a CLI), and cargo drops their lock entries;
        # every crate still resolves to a vendored one, pinned by its checksum.
        "MATURIN_PEP517_ARGS": f"--target {triple} --compatibility linux --auditwheel skip --offline",
        f"CC_{triple.replace('-', '_')}": str(tools / "cc"),
        f"CXX_{triple.replace('-', '_')}": str(tools / "c++"),
        f"AR_{triple.replace('-', '_')}": str(tools / "ar"),
    }
    if host in linkers and host != triple:
        env[f"CC_{host.replace('-', '_')}"] = str(tools / "host-cc")
    return env


def reproduce_command(argv: list[str], args: argparse.Namespace) -> str:
    """The same build outside Bazel: from the execution root (where the action's
    inputs are, after a build), in a kept work directory under /tmp, writing the
    wheel there rather than into Bazel's output tree."""
    work = f"/tmp/ofiuco-build-{args.package}-{args.version}-{args.cpu}-{args.python}"
    kept = []
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a in ("--workdir", "--output"):
            skip = True
        elif not a.startswith(("--workdir=", "--output=")):
            kept.append(a)
    kept += ["--workdir", work, "--output", f"{work}/{os.path.basename(args.output)}"]
    return 'cd "$(bazel info execution_root)" && ' + " ".join(
        shlex.quote(a) for a in [sys.executable, *sys.argv[:1], *kept]
    )


def replace_in_sboms(wheel: Path, prefixes: dict[str, str]) -> None:
    """Rewrites the build's own paths in `*.dist-info/sboms/*` (and their RECORD lines), in place."""
    with zipfile.ZipFile(wheel) as z:
        infos = z.infolist()
        data = {i.filename: z.read(i) for i in infos}
    changed = {}
    for name, content in data.items():
        parts = name.split("/")
        if len(parts) == 3 and parts[0].endswith(".dist-info") and parts[1] == "sboms":
            new = content
            # Longest first: the work directory lies inside the execroot.
            for old, repl in sorted(prefixes.items(), key=lambda kv: -len(kv[0])):
                new = new.replace(old.encode(), repl.encode())
            if new != content:
                changed[name] = new
    if not changed:
        return
    data.update(changed)
    record = next((n for n in data if n.endswith(".dist-info/RECORD") and n.count("/") == 1), None)
    if record:
        lines = []
        for line in data[record].decode().splitlines():
            path = line.split(",", 1)[0]
            if path in changed:
                digest = base64.urlsafe_b64encode(hashlib.sha256(changed[path]).digest())
                line = f"{path},sha256={digest.rstrip(b'=').decode()},{len(changed[path])}"
            lines.append(line)
        data[record] = ("\n".join(lines) + "\n").encode()
    tmp = wheel.with_suffix(".sbom.tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info in infos:
            out.writestr(info, data[info.filename], compress_type=zipfile.ZIP_DEFLATED)
    os.replace(tmp, wheel)


def build(args: argparse.Namespace, argv: list[str]) -> None:
    check_interpreter(args)
    if args.workdir:
        work = Path(args.workdir).resolve()
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    else:
        # Inside the action's own directory (sandboxes do not always give each
        # action its own /tmp), under a fixed name: nothing random reaches the build.
        work = (
            Path.cwd() / "_ofiuco_build" / f"{args.package}-{args.version}-{args.cpu}-{args.python}"
        )
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    if args.sdist:
        src = unpack(Path(args.sdist), work / "src")
        origin = Path(args.sdist).name
    else:
        src = copy_tree(Path(args.src_dir), work / "src")
        origin = args.origin or args.src_dir
    env, _ = cross_env(args, work, src)
    if args.src_dir:
        # A checkout without its .git (or a directory): setuptools-scm and
        # hatch-vcs get the locked version instead of asking git.
        env["SETUPTOOLS_SCM_PRETEND_VERSION"] = args.version
    out_dir = work / "dist"
    out_dir.mkdir()
    log_path = work / "build.log"
    cmd = [sys.executable, "-c", HOOKS, args.backend, str(out_dir), json.dumps(args.requires)]
    with open(log_path, "wb") as log:
        proc = subprocess.run(
            cmd,
            cwd=src,
            env=env,
            check=False,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    lines = log_path.read_text(errors="replace").splitlines()
    what = f"{args.package} {args.version} for {args.target}"
    if proc.returncode == 3 and lines and lines[-1].startswith("OFIUCO-MISSING "):
        missing = json.loads(lines[-1][len("OFIUCO-MISSING ") :])
        listed = "; ".join(
            f"`{req}`" + (f" (installed: {have})" if have else " (not installed)")
            for req, have in missing
        )
        raise BuildError(
            f"ofiuco: cannot build {what}: its build backend `{args.backend}` requires {listed}, which the build "
            f"dependencies do not provide.\nhint: add the requirement to ofiuco's build tools: lock it in your "
            f"own lock's `build` group and name that hub with `poetry.build_tools(hub = ...)`, or supply a wheel "
            f"with `poetry.build(package = {args.package!r}, wheel = ...)`."
        )
    if proc.returncode != 0:
        tail = "\n".join("    | " + line for line in lines[-TAIL:])
        raise BuildError(
            f"ofiuco: building {what} from {origin} failed (backend `{args.backend}`, exit "
            f"{proc.returncode}); the last {min(TAIL, len(lines))} lines of its output:\n{tail}\n"
            f"hint: to reproduce it outside Bazel (the work directory is kept), run:\n    {reproduce_command(argv, args)}",
            code=1,
        )
    wheels = sorted(out_dir.glob("*.whl"))
    if len(wheels) != 1:
        raise BuildError(
            f"ofiuco: building {what} gave {len(wheels)} wheels in {out_dir}, expected one.", code=1
        )
    tmp = Path(args.output + ".tmp")
    shutil.copyfile(wheels[0], tmp)
    # maturin's SBOMs (PEP 770) name the crate by the path it was built at.
    replace_in_sboms(tmp, {str(work): "/build", os.getcwd(): "/execroot"})
    os.replace(tmp, args.output)
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        build(args, argv)
    except BuildError as err:
        print(err, file=sys.stderr)
        return err.code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

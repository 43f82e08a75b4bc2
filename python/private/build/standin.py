"""TEMPORARY stand-in for `ofiuco sdist-info` and `ofiuco check-wheel`.

The real subcommands are written in Rust on the `build-support` branch
(crate `tools/build`); this script implements the same command-line
interface so the build pipeline can be wired and tested before that branch
lands. It checks less (no GLIBC_ symbol versions, no DT_NEEDED allowlist:
`ofiuco fragment --check-glibc` still checks the former for every zip).
Delete it when `ofiuco check-wheel` / `ofiuco sdist-info` are on main.

    standin.py sdist-info --sdist FILE --output JSON
    standin.py check-wheel --wheel IN --output OUT --os linux --cpu CPU --glibc X.Y --python 3.X [--native]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import tomllib
import zipfile

_MACHINES = {"aarch64": 183, "x86_64": 62}
_LEGACY = {"build_backend": "setuptools.build_meta:__legacy__", "requires": ["setuptools>=40.8.0"]}


def sdist_info(args: argparse.Namespace) -> int:
    name = os.path.basename(args.sdist)
    pyproject = None
    has_cargo_lock = False
    if name.endswith(".zip"):
        with zipfile.ZipFile(args.sdist) as z:
            names = z.namelist()
            top = [n for n in names if n.count("/") == 1 and n.endswith("/pyproject.toml")]
            has_cargo_lock = any(n.count("/") == 1 and n.endswith("/Cargo.lock") for n in names)
            if top:
                pyproject = z.read(top[0])
    else:
        with tarfile.open(args.sdist) as t:
            for m in t.getmembers():
                parts = m.name.split("/")
                if len(parts) == 2 and parts[1] == "Cargo.lock":
                    has_cargo_lock = True
                if (
                    len(parts) == 2
                    and parts[1] == "pyproject.toml"
                    and m.isfile()
                    and m.size < 1 << 20
                ):
                    pyproject = t.extractfile(m).read()
    info = dict(_LEGACY, backend_path=[], has_cargo_lock=has_cargo_lock)
    if pyproject is not None:
        data = tomllib.loads(pyproject.decode("utf-8"))
        system = data.get("build-system")
        if isinstance(system, dict):
            info["requires"] = [str(r) for r in system.get("requires", [])]
            info["build_backend"] = str(system.get("build-backend") or _LEGACY["build_backend"])
            info["backend_path"] = [str(p) for p in system.get("backend-path", [])]
    with open(args.output, "w") as f:
        json.dump(info, f)
    return 0


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def check_wheel(args: argparse.Namespace) -> int:
    src = zipfile.ZipFile(args.wheel)
    infos = src.infolist()
    elves = []
    for info in infos:
        head = src.open(info).read(20)
        if head[:4] == b"\x7fELF":
            machine = int.from_bytes(head[18:20], "little")
            if machine != _MACHINES[args.cpu]:
                print(
                    f"error: `{info.filename}` in {os.path.basename(args.wheel)} is for ELF machine {machine}, not {args.cpu}",
                    file=sys.stderr,
                )
                return 1
            elves.append(info.filename)
    if args.native and not elves:
        print(
            f"error: {os.path.basename(args.wheel)} is a pure-Python wheel, but the package is native "
            "(its compiled extension did not build; see the build output above)",
            file=sys.stderr,
        )
        return 1
    major, minor = args.glibc.split(".")
    py = "cp" + args.python.replace(".", "")
    tag = f"{py}-{py}-manylinux_{major}_{minor}_{args.cpu}" if elves else "py3-none-any"
    out = io.BytesIO()
    record_name = next(i.filename for i in infos if i.filename.endswith(".dist-info/RECORD"))
    wheel_name = record_name[: -len("RECORD")] + "WHEEL"
    contents = {i.filename: src.read(i) for i in infos}
    lines = [ln for ln in contents[wheel_name].decode().splitlines() if not ln.startswith("Tag:")]
    lines.append(f"Tag: {tag}")
    contents[wheel_name] = ("\n".join(lines) + "\n").encode()
    record = []
    for row in contents[record_name].decode().splitlines():
        path = row.split(",")[0]
        if path == wheel_name:
            row = f"{path},{_record_hash(contents[path])},{len(contents[path])}"
        record.append(row)
    contents[record_name] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.external_attr = info.external_attr
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, contents[info.filename])
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out.getvalue())
    os.replace(tmp, args.output)
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sdist-info")
    s.add_argument("--sdist", required=True)
    s.add_argument("--output", required=True)
    c = sub.add_parser("check-wheel")
    c.add_argument("--wheel", required=True)
    c.add_argument("--output", required=True)
    c.add_argument("--os", required=True, choices=["linux"])
    c.add_argument("--cpu", required=True, choices=sorted(_MACHINES))
    c.add_argument("--glibc", required=True)
    c.add_argument("--python", required=True)
    c.add_argument("--native", action="store_true")
    args = p.parse_args(argv)
    return sdist_info(args) if args.cmd == "sdist-info" else check_wheel(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

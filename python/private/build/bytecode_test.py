"""Tests of bytecode.py: runs it as a program on real zips and imports the results in fresh interpreters.

Run: python3 python/private/build/bytecode_test.py (any CPython 3.8+; the pycs are for that version).
With BYTECODE_TEST_PYTHON set to an interpreter command (e.g. tools/dev/arm64-python.sh, the emulated
linux/arm64 CPython 3.11), compiling and importing run under that one instead.
"""

import importlib.util
import os
import shlex
import subprocess
import sys
import tempfile
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "bytecode.py")
PYTHON = shlex.split(os.environ.get("BYTECODE_TEST_PYTHON", "")) or [sys.executable]
_ABOUT = subprocess.run(
    [
        *PYTHON,
        "-c",
        "import sys, importlib.util as u; print('%d.%d' % sys.version_info[:2], sys.implementation.cache_tag, u.MAGIC_NUMBER.hex())",
    ],
    capture_output=True,
    text=True,
    check=True,
).stdout.split()
VERSION, TAG, MAGIC = _ABOUT[0], _ABOUT[1], bytes.fromhex(_ABOUT[2])


def run(*args, check=True):
    return subprocess.run([*PYTHON, SCRIPT, *args], capture_output=True, text=True, check=check)


class BytecodeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.fragment = os.path.join(self.dir, "in.zip")
        with zipfile.ZipFile(self.fragment, "w") as z:
            z.writestr("pkg/__init__.py", "from pkg.mod import f\n")
            z.writestr("pkg/mod.py", "def f():\n    raise RuntimeError('boom')\n")
            z.writestr("pkg/py2.py", "print 'old'\n")
            z.writestr("pkg/data.txt", "not python\n")
        self.app = os.path.join(self.dir, "handler.py")
        with open(self.app, "w") as f:
            f.write("import pkg\n\ndef handler(event, context):\n    return 42\n")

    def tearDown(self):
        self.tmp.cleanup()

    def compile(self, out, layout="pyc"):
        return run(
            "--python",
            VERSION,
            "--package",
            "pkg",
            "--output",
            out,
            "--layout",
            layout,
            "--fragment",
            self.fragment,
            "--file",
            "handler.py=" + self.app,
        )

    def test_a_pyc_the_wheel_ships_is_kept(self):
        # numpy's wheel ships numpy/distutils/__pycache__/conv_template.cpython-311.pyc:
        # a second one at the same path would conflict in the archive.
        with zipfile.ZipFile(self.fragment, "a") as z:
            z.writestr(f"pkg/__pycache__/mod.{TAG}.pyc", b"the wheel's own")
        out = os.path.join(self.dir, "pyc.zip")
        self.compile(out)
        with zipfile.ZipFile(out) as z:
            self.assertEqual(
                z.namelist(),
                [f"__pycache__/handler.{TAG}.pyc", f"pkg/__pycache__/__init__.{TAG}.pyc"],
            )

    def test_hash_based_unchecked_pyc_for_this_version(self):
        out = os.path.join(self.dir, "pyc.zip")
        result = self.compile(out)
        self.assertIn("1 file(s) do not compile", result.stdout)
        with zipfile.ZipFile(out) as z:
            names = z.namelist()
            self.assertEqual(names, sorted(names))
            self.assertEqual(
                names,
                [
                    f"__pycache__/handler.{TAG}.pyc",
                    f"pkg/__pycache__/__init__.{TAG}.pyc",
                    f"pkg/__pycache__/mod.{TAG}.pyc",
                ],
            )
            self.assertTrue(z.comment.startswith(b"ofiuco-fragment/1 package=pkg"))
            data = z.read(f"pkg/__pycache__/mod.{TAG}.pyc")
            info = z.getinfo(f"pkg/__pycache__/mod.{TAG}.pyc")
            self.assertEqual(info.date_time, (1980, 1, 1, 0, 0, 0))
        self.assertEqual(data[:4], MAGIC)
        flags = int.from_bytes(data[4:8], "little")
        self.assertEqual(flags, 0b01, "hash-based (bit 0), unchecked (bit 1 clear)")
        source = b"def f():\n    raise RuntimeError('boom')\n"
        self.assertEqual(data[8:16], importlib.util.source_hash(source))

    def test_same_bytes_twice(self):
        a, b = os.path.join(self.dir, "a.zip"), os.path.join(self.dir, "b.zip")
        self.compile(a)
        self.compile(b)
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertEqual(fa.read(), fb.read())

    def test_wrong_interpreter_version_is_refused(self):
        result = run(
            "--python",
            "3.1",
            "--package",
            "pkg",
            "--output",
            os.path.join(self.dir, "x.zip"),
            check=False,
        )
        self.assertEqual(result.returncode, 2)
        self.assertIn("register a Python toolchain of version 3.1", result.stderr)

    def unpack(self, zips, into):
        for path in zips:
            with zipfile.ZipFile(path) as z:
                z.extractall(into)

    def test_pyc_is_used(self):
        out = os.path.join(self.dir, "pyc.zip")
        self.compile(out)
        root = os.path.join(self.dir, "root")
        self.unpack([self.fragment, out], root)
        with open(os.path.join(root, "handler.py"), "w") as f, open(self.app) as src:
            f.write(src.read())
        code = "import handler, pkg\ntry:\n    pkg.f()\nexcept RuntimeError as e:\n    print(e.__traceback__.tb_next.tb_frame.f_code.co_filename)\n"
        result = subprocess.run(
            [*PYTHON, "-v", "-c", code],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
        )
        # With the source beside it, the loader points co_filename at the file on disk.
        self.assertEqual(result.stdout.strip(), os.path.join(root, "pkg", "mod.py"))
        self.assertIn(
            f"code object from '{os.path.join(root, 'pkg', '__pycache__', 'mod.' + TAG + '.pyc')}'",
            result.stderr,
        )
        self.assertFalse(os.path.exists(os.path.join(root, "pkg", "__pycache__", f"py2.{TAG}.pyc")))

    def test_pyc_only_imports_without_sources(self):
        out = os.path.join(self.dir, "only.zip")
        self.compile(out, layout="pyc-only")
        with zipfile.ZipFile(out) as z:
            self.assertEqual(z.namelist(), ["handler.pyc", "pkg/__init__.pyc", "pkg/mod.pyc"])
        root = os.path.join(self.dir, "root")
        self.unpack([out], root)
        result = subprocess.run(
            [
                *PYTHON,
                "-c",
                "import handler, pkg; print(handler.handler(None, None)); print(pkg.f.__code__.co_filename)",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        # Without sources, tracebacks name the path in the archive (not a sandbox path).
        self.assertEqual(result.stdout.split(), ["42", "pkg/mod.py"])

    def test_tree_to_directory_as_the_zip(self):
        # py_image_layer's form: an installed tree in, a directory of pycs out,
        # with the same pycs as the zip of the same sources.
        tree = os.path.join(self.dir, "tree")
        self.unpack([self.fragment], os.path.join(tree, "site-packages"))
        out = os.path.join(self.dir, "out")
        for layout, zipped in (("pyc", "pyc.zip"), ("pyc-only", "only.zip")):
            dest = os.path.join(out, layout)
            run(
                "--python",
                VERSION,
                "--package",
                "pkg",
                "--layout",
                layout,
                "--tree",
                tree,
                "--output-dir",
                dest,
                "--output-prefix",
                "site-packages",
            )
            self.compile(os.path.join(self.dir, zipped), layout=layout)
            with zipfile.ZipFile(os.path.join(self.dir, zipped)) as z:
                want = {
                    n: z.read(n)
                    for n in z.namelist()
                    if not n.startswith(("handler.", "__pycache__/"))
                }
            got = {}
            for dirpath, _, filenames in os.walk(os.path.join(dest, "site-packages")):
                for filename in filenames:
                    path = os.path.join(dirpath, filename)
                    with open(path, "rb") as f:
                        got[os.path.relpath(path, os.path.join(dest, "site-packages"))] = f.read()
            self.assertEqual(got, want)
            self.assertTrue(want)

    def test_empty_tree_gives_the_prefix_directory(self):
        # `ofiuco layer` reads DIR/site-packages of every tree: it must exist.
        tree = os.path.join(self.dir, "tree")
        os.makedirs(os.path.join(tree, "site-packages", "data"))
        out = os.path.join(self.dir, "out")
        run(
            "--python",
            VERSION,
            "--package",
            "pkg",
            "--tree",
            tree,
            "--output-dir",
            out,
            "--output-prefix",
            "site-packages",
        )
        self.assertEqual(os.listdir(out), ["site-packages"])
        self.assertEqual(os.listdir(os.path.join(out, "site-packages")), [])


if __name__ == "__main__":
    unittest.main()

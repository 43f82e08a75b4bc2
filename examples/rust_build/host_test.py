"""bcrypt (setuptools-rust) and SudachiPy (maturin), Rust extensions built from their sdists for this host, at work."""

import pathlib
import platform
import sys
import unittest

import bcrypt
import bcrypt._bcrypt
import sudachipy
from sudachipy import Dictionary, SplitMode


class HostTest(unittest.TestCase):
    def test_bcrypt_built_for_this_interpreter(self):
        self.assertEqual(platform.machine(), "x86_64")
        tag = f"cpython-{sys.version_info[0]}{sys.version_info[1]}-x86_64-linux-gnu"
        self.assertTrue(
            bcrypt._bcrypt.__file__.endswith(f"_bcrypt.{tag}.so"), bcrypt._bcrypt.__file__
        )

    def test_bcrypt_round_trip(self):
        hashed = bcrypt.hashpw(b"hunter2", bcrypt.gensalt(rounds=4))
        self.assertTrue(hashed.startswith(b"$2b$04$"))
        self.assertTrue(bcrypt.checkpw(b"hunter2", hashed))
        self.assertFalse(bcrypt.checkpw(b"hunter3", hashed))

    def test_sudachipy_built_here(self):
        # PyPI's abi3 x86_64 wheel would fit this host too: the extension
        # ofiuco built names its vendored crates by the path its frontend
        # remaps them to (`/cargo/vendor/<crate>-<version>/`).
        (so,) = pathlib.Path(sudachipy.__file__).parent.glob("sudachipy*.so")
        data = so.read_bytes()
        self.assertEqual(data[18:20], b"\x3e\x00", "e_machine of an x86_64 ELF")
        self.assertIn(b"/cargo/vendor/pyo3-", data, so)

    def test_sudachipy_tokenizes(self):
        tokenizer = Dictionary(dict="small").create(SplitMode.C)
        tokens = [
            (m.surface(), m.normalized_form()) for m in tokenizer.tokenize("国家公務員の給与")
        ]
        self.assertEqual(
            tokens,
            [("国家", "国家"), ("公務", "公務"), ("員", "員"), ("の", "の"), ("給与", "給与")],
        )


if __name__ == "__main__":
    unittest.main()

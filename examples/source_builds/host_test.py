"""crcmod and cwcwidth, built from their sdists for the host, give the right answers."""

import importlib
import os
import sys
import unittest
import zlib

import crcmod
import crcmod.predefined
import cwcwidth
import lambda_function


class BuiltFromSourceTest(unittest.TestCase):
    def test_python_version(self):
        want = os.environ.get("OFIUCO_EXPECT_PYTHON")
        if want:
            self.assertEqual(f"{sys.version_info[0]}.{sys.version_info[1]}", want)

    def test_crcmod_uses_its_c_extension(self):
        self.assertTrue(
            sys.modules["crcmod.crcmod"]._usingExtension, "crcmod fell back to pure Python"
        )
        ext = importlib.import_module("crcmod._crcfunext")
        self.assertTrue(ext.__file__.endswith(".so"), ext.__file__)

        crc32 = crcmod.predefined.mkCrcFun("crc-32")
        for data in [b"", b"123456789", bytes(range(256)) * 7]:
            self.assertEqual(crc32(data), zlib.crc32(data))
        self.assertEqual(crc32(b"123456789"), 0xCBF43926)

    def test_cwcwidth(self):
        where = os.path.dirname(cwcwidth.__file__)
        self.assertTrue(
            any(f.endswith(".so") for f in os.listdir(where)), f"no extension in {where}"
        )
        self.assertEqual(cwcwidth.wcwidth("a"), 1)
        self.assertEqual(cwcwidth.wcwidth("\u4e2d"), 2)
        self.assertEqual(cwcwidth.wcwidth("\u0301"), 0)
        self.assertEqual(cwcwidth.wcswidth("ab\u4e2d\u6587"), 6)

    def test_handler(self):
        out = lambda_function.handler({"text": "\u4e2d\u6587ok"}, None)
        self.assertEqual(out["width"], 6)
        text = "\u4e2d\u6587ok".encode()
        self.assertEqual(out["crc32"], f"{zlib.crc32(text):08x}")
        self.assertTrue(out["crcmod_native"])


if __name__ == "__main__":
    unittest.main()

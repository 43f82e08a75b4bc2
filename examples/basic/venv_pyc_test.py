"""The py_venv's bytecode: hash-based pycs of this interpreter's version, used on import."""

import importlib.util
import os
import sys
import unittest


class VenvPycTest(unittest.TestCase):
    def test_imports_use_the_precompiled_pycs(self):
        import numpy
        import requests
        import urllib3

        for module in (numpy, requests, urllib3):
            self.assertIn("venv_pyc.venv/site-packages", module.__file__)
            cached = importlib.util.cache_from_source(module.__file__)
            self.assertEqual(module.__spec__.cached, cached)
            self.assertTrue(os.path.isfile(cached), f"no {cached}: not compiled for {sys.version}")
            with open(cached, "rb") as f:
                header = f.read(16)
            self.assertEqual(header[:4], importlib.util.MAGIC_NUMBER, cached)
            # PEP 552: hash-based (bit 0), unchecked (bit 1 clear), of the file's source.
            self.assertEqual(int.from_bytes(header[4:8], "little"), 0b01, cached)
            with open(module.__file__, "rb") as f:
                self.assertEqual(header[8:16], importlib.util.source_hash(f.read()), cached)

    def test_works(self):
        import numpy

        self.assertEqual(int(numpy.arange(4).sum()), 6)


if __name__ == "__main__":
    unittest.main()

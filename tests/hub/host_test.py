"""Packages of tests/hub/poetry.lock, installed for the host, import and work."""

import os
import sys
import unittest


class HostTest(unittest.TestCase):
    def test_extra_brings_its_dependency(self):
        import requests
        import socks  # PySocks, from requests[socks]

        self.assertTrue(hasattr(socks, "socksocket"))
        self.assertTrue(requests.__version__)

    def test_c_extension(self):
        from markupsafe import _speedups, escape

        self.assertTrue(_speedups.__file__.endswith(".so"))
        self.assertEqual(str(escape("<a>")), "&lt;a&gt;")

    def test_numpy_alias_picks_the_version_for_this_python(self):
        import numpy

        want = "2.4.6" if sys.version_info >= (3, 11) else "2.2.6"
        self.assertEqual(numpy.__version__, want)

    def test_markers_for_the_host(self):
        # pytest depends on tomli only for `python_version < "3.11"` (tomllib is in the
        # standard library from 3.11): the hub puts tomli's package on sys.path exactly then.
        import pytest

        self.assertTrue(pytest.__version__)
        tomli_paths = [
            p for p in sys.path if any(part.startswith("tomli__") for part in p.split(os.sep))
        ]
        if sys.version_info < (3, 11):
            self.assertTrue(tomli_paths, sys.path)
            import tomli

            self.assertTrue(
                any(tomli.__file__.startswith(p + os.sep) for p in tomli_paths), tomli.__file__
            )
            self.assertEqual(tomli.loads("a = 1"), {"a": 1})
        else:
            self.assertEqual(tomli_paths, [], sys.path)


if __name__ == "__main__":
    unittest.main()

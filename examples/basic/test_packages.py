"""Imports real packages installed by ofiuco from poetry.lock and uses them."""

import os
import pathlib
import subprocess
import sys
import unittest


class PackagesTest(unittest.TestCase):
    def test_pure_python_with_dependencies(self):
        import certifi
        import idna
        import requests
        import urllib3

        request = requests.Request(
            "GET", "https://example.com/päth", params={"q": "ofiuco"}
        ).prepare()
        self.assertEqual(request.url, "https://example.com/p%C3%A4th?q=ofiuco")
        self.assertEqual(idna.encode("bücher.example"), b"xn--bcher-kva.example")
        self.assertTrue(pathlib.Path(certifi.where()).is_file())
        self.assertTrue(urllib3.__version__.startswith("2."))

    def test_c_extension(self):
        import numpy
        from numpy._core import _multiarray_umath

        self.assertTrue(_multiarray_umath.__file__.endswith(".so"), _multiarray_umath.__file__)
        matrix = numpy.arange(6, dtype=numpy.float64).reshape(2, 3)
        self.assertEqual((matrix @ matrix.T).tolist(), [[5.0, 14.0], [14.0, 50.0]])

    def test_console_script(self):
        import pygments

        # The package's install tree: site-packages/ and bin/ side by side.
        bin_dir = pathlib.Path(pygments.__file__).parent.parent.parent / "bin"
        script = bin_dir / "pygmentize"
        self.assertTrue(os.access(script, os.X_OK), f"{script} is not executable")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        out = subprocess.run(
            [sys.executable, str(script), "-l", "python", "-f", "html"],
            input="x = 1\n",
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        self.assertIn('<div class="highlight">', out)

    def test_spelling_alias(self):
        import typing_extensions

        self.assertTrue(hasattr(typing_extensions, "TypedDict"))


if __name__ == "__main__":
    unittest.main()

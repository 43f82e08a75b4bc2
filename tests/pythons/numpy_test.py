"""numpy from a hub, installed for the interpreter that runs this test.

numpy ships one native wheel per CPython minor version: an extension built for
another interpreter fails right at the import below. Run under py_versioned_test
(@ofiuco//lib:versioned.bzl), which says the expected version in OFIUCO_EXPECT_PYTHON.
"""

import os
import sys
import unittest

import numpy

WANT = os.environ.get("OFIUCO_EXPECT_PYTHON", "")


class NumpyTest(unittest.TestCase):
    def test_interpreter_is_the_toolchain_for_the_version(self):
        self.assertTrue(WANT, "OFIUCO_EXPECT_PYTHON is unset: run this through py_versioned_test")
        self.assertEqual("{}.{}".format(*sys.version_info[:2]), WANT)
        # The toolchain of //toolchains for that version, not the host python3.
        self.assertEqual(sys.executable, "/usr/bin/python" + WANT)

    def test_numpy_comes_from_the_hub(self):
        self.assertEqual(numpy.__version__, "2.4.6")
        self.assertIn("numpy__2.4.6", numpy.__file__.split(os.sep), numpy.__file__)

    def test_extension_is_built_for_this_interpreter(self):
        from numpy._core import _multiarray_umath

        name = os.path.basename(_multiarray_umath.__file__)
        self.assertTrue(_multiarray_umath.__file__.startswith(os.path.dirname(numpy.__file__)))
        tag = "cpython-{}{}".format(*sys.version_info[:2])
        self.assertIn(tag, name)
        self.assertIn("cpython-" + WANT.replace(".", ""), name)

    def test_compute(self):
        a = numpy.arange(12, dtype=numpy.float64).reshape(3, 4)
        self.assertEqual(float(numpy.trace(a @ a.T)), 506.0)  # 0² + 1² + … + 11²
        self.assertAlmostEqual(float(numpy.linalg.det(numpy.array([[2.0, 1.0], [1.0, 3.0]]))), 5.0)


if __name__ == "__main__":
    from numpy._core import _multiarray_umath

    major, minor = sys.version_info[:2]
    extension = os.path.basename(_multiarray_umath.__file__)
    print(
        f"CPython {major}.{minor} ({sys.executable}); numpy {numpy.__version__} "
        f"from {numpy.__file__}; extension {extension}"
    )
    unittest.main(verbosity=2)

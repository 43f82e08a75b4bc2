"""The packages built from a git checkout, a local directory and a local sdist work on the host."""

import ast
import os
import unittest

import app
import cxxpkg
import iniconfig
import localpkg
import six
import subpkg


class BuiltFromSourcesTest(unittest.TestCase):
    def test_git_checkout_at_the_locked_commit(self):
        ini = iniconfig.IniConfig("x.ini", data="[a]\nk = v\n[b]\n")
        self.assertEqual(list(ini.sections), ["a", "b"])
        self.assertEqual(ini["a"]["k"], "v")
        # The server's main has moved on; the lock pins the first commit.
        self.assertFalse(hasattr(iniconfig, "OFIUCO_SECOND_COMMIT"))

    def test_local_directory(self):
        self.assertEqual(localpkg.shout("hi"), "HI!")
        # The workspace's file as it is now: an edit must have been rebuilt.
        with open(os.environ["LOCALPKG_SOURCE"], encoding="utf-8") as f:
            tree = ast.parse(f.read())
        want = next(
            node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and node.targets[0].id == "MESSAGE"
        )
        self.assertEqual(localpkg.MESSAGE, want)
        # Installed as a wheel (not editable): the module lives in the package's tree.
        self.assertIn("site-packages", localpkg.__file__)

    def test_local_cxx_extension(self):
        self.assertEqual(cxxpkg.sort_words("pear apple fig"), "apple fig pear")
        self.assertEqual(cxxpkg.parse_int("42"), 42)
        # Thrown by libc++'s std::stoi, caught in the extension.
        with self.assertRaisesRegex(ValueError, "not a number: x"):
            cxxpkg.parse_int("x")
        self.assertTrue(cxxpkg._words.__file__.endswith(".so"))

    def test_local_sdist(self):
        self.assertEqual(six.__version__, "1.17.0")
        self.assertFalse(six.PY2)

    def test_git_submodule_at_the_pinned_commit(self):
        # subpkg/vendored is a submodule; its main has moved past the pinned commit.
        self.assertEqual(subpkg.VALUE, "the commit the superproject pins")

    def test_handler(self):
        out = app.handler({"ini": "[s]\n", "text": "ok"}, None)
        self.assertEqual(out["sections"], ["s"])
        self.assertEqual(out["shout"], "OK!")


if __name__ == "__main__":
    unittest.main()

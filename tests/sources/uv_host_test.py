"""uv.lock's workspace member, editable path, local sdist and git source, built by ofiuco."""

import unittest

import iniconfig
import localpkg
import member
import six


class UvSourcesTest(unittest.TestCase):
    def test_workspace_member_and_its_dependency(self):
        self.assertEqual(member.describe(), "member on six 1.17.0")
        self.assertIn("site-packages", member.__file__)

    def test_editable_path_is_installed_normally(self):
        self.assertEqual(localpkg.shout("uv"), "UV!")
        self.assertIn("site-packages", localpkg.__file__)

    def test_git_at_the_locked_commit(self):
        self.assertEqual(list(iniconfig.IniConfig("x", data="[q]\n").sections), ["q"])
        self.assertFalse(hasattr(iniconfig, "OFIUCO_SECOND_COMMIT"))
        self.assertFalse(six.PY2)


if __name__ == "__main__":
    unittest.main()

"""The dependency group `test` of uv.lock: iniconfig, and nothing of the main group."""

import importlib.util
import unittest


class GroupTest(unittest.TestCase):
    def test_group_package(self):
        import iniconfig

        self.assertTrue(hasattr(iniconfig, "IniConfig"))

    def test_main_group_is_not_included(self):
        self.assertIsNone(importlib.util.find_spec("markupsafe"))


if __name__ == "__main__":
    unittest.main()

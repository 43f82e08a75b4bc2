"""Imports packages that ofiuco installed from uv.lock or pylock.toml, C extensions included."""

import sys
import unittest


class PackagesTest(unittest.TestCase):
    def test_markupsafe_c_extension(self):
        import markupsafe
        from markupsafe import _speedups

        self.assertTrue(_speedups.__file__.endswith(".so"), _speedups.__file__)
        self.assertEqual(str(markupsafe.escape("<a>")), "&lt;a&gt;")

    def test_pyyaml_with_libyaml(self):
        import yaml

        self.assertTrue(yaml.__with_libyaml__)
        self.assertEqual(yaml.load("a: [1, 2]", Loader=yaml.CSafeLoader), {"a": [1, 2]})

    def test_jinja2_finds_its_dependency(self):
        import jinja2

        template = jinja2.Environment(autoescape=True).from_string("{{ x }}")
        self.assertEqual(template.render(x="<b>"), "&lt;b&gt;")


if __name__ == "__main__":
    # The hub under test (uv or pylock), for the log.
    print("packages from", sys.argv.pop(1))
    unittest.main()

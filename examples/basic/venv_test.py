"""numpy, requests and requests' dependencies from one merged site-packages tree."""

import sys
import unittest


class VenvTest(unittest.TestCase):
    def test_one_tree(self):
        import certifi
        import numpy
        import requests
        import urllib3

        roots = {
            m.__file__.split("/site-packages/")[0] for m in (numpy, requests, urllib3, certifi)
        }
        self.assertEqual(len(roots), 1, roots)
        self.assertTrue(roots.pop().endswith("venv.venv"))
        self.assertEqual(len([p for p in sys.path if p.endswith("venv.venv/site-packages")]), 1)

    def test_works(self):
        import numpy
        import requests

        self.assertEqual(int(numpy.arange(4).sum()), 6)
        self.assertEqual(
            requests.Request("GET", "https://example.com").prepare().url, "https://example.com/"
        )


if __name__ == "__main__":
    unittest.main()

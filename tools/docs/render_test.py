"""Tests of render.py on real starlark_doc_extract output (tools/docs/testdata)."""

import contextlib
import io
import os
import sys
import tempfile
import unittest
from pathlib import Path

import render


class RenderTest(unittest.TestCase):
    def test_undocumented_items_fail_naming_each(self):
        proto = Path(os.environ["UNDOCUMENTED_PROTO"])
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "page.md"
            stderr = io.StringIO()
            with contextlib.redirect_stderr(stderr):
                status = render.main([str(proto), "--output", str(out)])
            self.assertEqual(status, 1)
            self.assertFalse(out.exists(), "no page is written when items are undocumented")
        message = stderr.getvalue()
        self.assertIn("undocumented.bzl has 6 public item(s) without a docstring", message)
        for item in [
            "rule `thing`",
            "attribute `src` of `thing`",
            "provider `ThingInfo`",
            "field `bare` of `ThingInfo`",
            "function `thing_macro`",
            "parameter `name` of `thing_macro`",
        ]:
            self.assertIn(f"  - {item}\n", message)
        self.assertIn("hint: add a `doc`", message)

    def test_kinds_render_every_section(self):
        label, markdown, missing = render.render(Path(os.environ["KINDS_PROTO"]).read_bytes())
        self.assertEqual(missing, [])
        self.assertTrue(label.endswith("//tools/docs:testdata/kinds.bzl"), label)
        for heading in [
            "## Module extensions",
            "## Rules",
            "## Providers",
            "## Functions",
            "## Aspects",
            "## Repository rules",
        ]:
            self.assertIn(heading + "\n", markdown)


if __name__ == "__main__":
    sys.exit(unittest.main())

"""Tests of frontend.py's host detection for Rust builds (the rest runs in Bazel: tests/sources, examples).

Run: python3 python/private/build/frontend_test.py (any CPython 3.8+).
"""

from __future__ import annotations

import os
import platform
import sys
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frontend


class RustHostTest(unittest.TestCase):
    def host(self, system: str, machine: str) -> tuple[str, str]:
        with (
            mock.patch.object(sys, "platform", system),
            mock.patch.object(platform, "machine", lambda: machine),
        ):
            return frontend.rust_host()

    def test_linux_hosts_link_build_scripts_for_glibc_2_17(self):
        self.assertEqual(
            self.host("linux", "x86_64"), ("x86_64-unknown-linux-gnu", "x86_64-linux-gnu.2.17")
        )
        self.assertEqual(
            self.host("linux", "aarch64"), ("aarch64-unknown-linux-gnu", "aarch64-linux-gnu.2.17")
        )

    def test_macos_names_its_cpu_arm64_and_links_for_macos(self):
        # platform.machine() is "arm64" on Apple silicon; Rust and zig say aarch64.
        self.assertEqual(self.host("darwin", "arm64"), ("aarch64-apple-darwin", "aarch64-macos"))
        self.assertEqual(self.host("darwin", "x86_64"), ("x86_64-apple-darwin", "x86_64-macos"))

    def test_this_machine(self):
        triple, zig_target = frontend.rust_host()
        self.assertIn(
            triple,
            {
                "x86_64-unknown-linux-gnu",
                "aarch64-unknown-linux-gnu",
                "aarch64-apple-darwin",
                "x86_64-apple-darwin",
            },
        )
        self.assertTrue(zig_target.startswith(triple.split("-")[0]))


if __name__ == "__main__":
    unittest.main()

"""bcrypt, a Rust extension (setuptools-rust) built from its sdist for this host, hashes and checks."""

import platform
import sys
import unittest

import bcrypt
import bcrypt._bcrypt


class HostTest(unittest.TestCase):
    def test_built_for_this_interpreter(self):
        self.assertEqual(platform.machine(), "x86_64")
        tag = f"cpython-{sys.version_info[0]}{sys.version_info[1]}-x86_64-linux-gnu"
        self.assertTrue(
            bcrypt._bcrypt.__file__.endswith(f"_bcrypt.{tag}.so"), bcrypt._bcrypt.__file__
        )

    def test_round_trip(self):
        hashed = bcrypt.hashpw(b"hunter2", bcrypt.gensalt(rounds=4))
        self.assertTrue(hashed.startswith(b"$2b$04$"))
        self.assertTrue(bcrypt.checkpw(b"hunter2", hashed))
        self.assertFalse(bcrypt.checkpw(b"hunter3", hashed))


if __name__ == "__main__":
    unittest.main()

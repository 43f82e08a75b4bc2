"""A test under another Python version: `py_versioned_test`.

```starlark
load("@ofiuco//lib:versioned.bzl", "py_versioned_test")
```

It sets `--@ofiuco//python/config:python_version` for one test (its wheels
and its interpreter); pair it with `local_python_toolchain`
(`@ofiuco//python:toolchains.bzl`) or any Python toolchain selected by that
flag.
"""

load("//lib/private:versioned.bzl", _py_versioned_test = "py_versioned_test")

py_versioned_test = _py_versioned_test

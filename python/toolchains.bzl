"""Python toolchains for interpreters installed on the machine, selected by ofiuco's Python version flag.

```starlark
# toolchains/BUILD.bazel
load("@ofiuco//python:toolchains.bzl", "local_python_toolchain")

local_python_toolchain(name = "python3_13", interpreter_path = "/usr/bin/python3.13", python_version = "3.13")
local_python_toolchain(name = "python3_14", interpreter_path = "/usr/bin/python3.14", python_version = "3.14")
```

```starlark
# MODULE.bazel
register_toolchains("//toolchains:all")
```

With these, `--@ofiuco//python/config:python_version=3.13` (or a
`py_versioned_test` from `@ofiuco//lib:versioned.bzl`) builds the wheels for
3.13 and runs the tests with `/usr/bin/python3.13`.
"""

load("//python/private:local_toolchain.bzl", _local_python_toolchain = "local_python_toolchain")

local_python_toolchain = _local_python_toolchain

"""`local_python_toolchain`: a Python toolchain for an interpreter installed on the machine."""

load("@rules_python//python:py_runtime.bzl", "py_runtime")
load("@rules_python//python:py_runtime_pair.bzl", "py_runtime_pair")

_PYTHON_VERSION = Label("//python/config:python_version")

def local_python_toolchain(name, interpreter_path, python_version = None, target_settings = [], **kwargs):
    """A Python toolchain for an interpreter installed on the machine (e.g. Debian's `/usr/bin/python3.13`).

    Declares `<name>` (a `py_runtime`), `<name>_pair` (its `py_runtime_pair`)
    and `<name>_toolchain`, a toolchain of
    `@bazel_tools//tools/python:toolchain_type`; register it with
    `register_toolchains("//<package>:all")`. With `python_version`, it also
    declares `ofiuco_is_<X_Y>`, a `config_setting` on
    `--@ofiuco//python/config:python_version`, and the toolchain is selected
    only under that flag value: the flag (or `py_versioned_test`, which sets
    it) then picks both the wheels and the interpreter that runs them. With
    the flag at `auto` no such toolchain matches, and Bazel's autodetecting
    toolchain runs tests.

    ```starlark
    load("@ofiuco//python:toolchains.bzl", "local_python_toolchain")

    local_python_toolchain(
        name = "python3_13",
        interpreter_path = "/usr/bin/python3.13",
        python_version = "3.13",
    )
    ```

    Args:
      name: the `py_runtime`'s name, and the prefix of the others.
      interpreter_path: the absolute path of the interpreter on the machines
        that run the tests.
      python_version: the value of `--@ofiuco//python/config:python_version`
        (`3.13`, `3.13t`) under which this toolchain is selected. Default: none,
        the toolchain is selected by `target_settings` only.
      target_settings: more `config_setting`s that must all match for the
        toolchain to be selected (added to the one of `python_version`).
      **kwargs: common attributes (`visibility`, `tags`, ...) of every
        target it declares.
    """
    settings = list(target_settings)
    if python_version:
        setting = "ofiuco_is_" + python_version.replace(".", "_")
        native.config_setting(
            name = setting,
            flag_values = {_PYTHON_VERSION: python_version},
            **kwargs
        )
        settings.insert(0, ":" + setting)
    py_runtime(
        name = name,
        interpreter_path = interpreter_path,
        python_version = "PY3",
        **kwargs
    )
    py_runtime_pair(
        name = name + "_pair",
        py3_runtime = ":" + name,
        **kwargs
    )
    native.toolchain(
        name = name + "_toolchain",
        target_settings = settings,
        toolchain = ":" + name + "_pair",
        toolchain_type = "@bazel_tools//tools/python:toolchain_type",
        **kwargs
    )

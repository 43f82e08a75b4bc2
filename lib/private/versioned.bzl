"""`py_versioned_test`: a test built and run under another `--@ofiuco//python/config:python_version`.

As rules_python's python/config_settings/transition.bzl does for its own
flag: the wrapper is a test whose incoming transition sets ofiuco's flag, so
the wrapped py_test, its hub packages (their wheels) and its Python toolchain
(see `local_python_toolchain`, selected by the same flag) all follow one
version.
"""

_PYTHON_VERSION = str(Label("//python/config:python_version"))

def _python_version_transition_impl(_settings, attr):
    return {_PYTHON_VERSION: attr.python_version}

_python_version_transition = transition(
    implementation = _python_version_transition_impl,
    inputs = [],
    outputs = [_PYTHON_VERSION],
)

def _py_versioned_test_impl(ctx):
    test = ctx.attr.test
    executable = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(
        output = executable,
        target_file = test[DefaultInfo].files_to_run.executable,
        is_executable = True,
    )
    environment = {}
    inherited = []
    if RunEnvironmentInfo in test:
        environment.update(test[RunEnvironmentInfo].environment)
        inherited = test[RunEnvironmentInfo].inherited_environment
    environment["OFIUCO_EXPECT_PYTHON"] = ctx.attr.python_version
    return [
        DefaultInfo(
            executable = executable,
            files = depset([executable]),
            runfiles = ctx.runfiles(files = [executable]).merge(test[DefaultInfo].default_runfiles),
        ),
        RunEnvironmentInfo(environment = environment, inherited_environment = inherited),
        coverage_common.instrumented_files_info(ctx, dependency_attributes = ["test"]),
    ]

py_versioned_test = rule(
    implementation = _py_versioned_test_impl,
    doc = """Runs `test` with `--@ofiuco//python/config:python_version` set to `python_version`.

```starlark
load("@ofiuco//lib:versioned.bzl", "py_versioned_test")

py_test(name = "app_test", srcs = ["app_test.py"], deps = ["@pypi//:numpy"], tags = ["manual"])

py_versioned_test(name = "app_test_3_13", python_version = "3.13", test = ":app_test")
```

The wheels of `test`'s hub packages are chosen for that version, and the
Python toolchain is the one selected by that flag value (see
`local_python_toolchain` in `@ofiuco//python:toolchains.bzl`). The test sees
`OFIUCO_EXPECT_PYTHON=<python_version>` in its environment, beside the
environment of `test`. Mark the wrapped test `manual`: built alone, it would
follow the command line's Python version instead.""",
    cfg = _python_version_transition,
    test = True,
    attrs = {
        "python_version": attr.string(mandatory = True, doc = "The Python version (`3.13`, `3.13t`) to build and run `test` for."),
        "test": attr.label(mandatory = True, executable = True, cfg = "target", doc = "The test (a py_test) to run under that version."),
        "_allowlist_function_transition": attr.label(default = "@bazel_tools//tools/allowlists/function_transition_allowlist"),
    },
)

"""The analysis tests of the Python-range errors.

(The versioned tests are `py_versioned_test` of `@ofiuco//lib:versioned.bzl`.)
"""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

_PYTHON_VERSION = str(Label("@ofiuco//python/config:python_version"))

def _fails_test_impl(ctx):
    env = analysistest.begin(ctx)
    for message in ctx.attr.messages:
        asserts.expect_failure(env, message)
    return analysistest.end(env)

_FAILS_ATTRS = {"messages": attr.string_list(doc = "Substrings the analysis failure must contain.")}

# Analysed with --@ofiuco//python/config:python_version=3.14.
fails_for_python314_test = analysistest.make(
    _fails_test_impl,
    attrs = _FAILS_ATTRS,
    expect_failure = True,
    config_settings = {_PYTHON_VERSION: "3.14"},
)

# Analysed with the command line's flags: the default (`auto`) means the host python3.
fails_by_default_test = analysistest.make(
    _fails_test_impl,
    attrs = _FAILS_ATTRS,
    expect_failure = True,
)

"""Analysis failures: the python3.11 runtime (Amazon Linux 2, glibc 2.26) refuses numpy 2.4's arm64 wheels; a function zip and its layer disagree on numpy's version; bytecode in `__pycache__` that an exclude drops."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

def _impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, "no file of numpy 2.4.6 fits the target linux aarch64, glibc <= 2.26, CPython 3.11")
    asserts.expect_failure(env, "numpy-2.4.6-cp311-cp311-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl")
    asserts.expect_failure(env, "a newer glibc, e.g. the AWS Lambda python3.12+ presets")
    return analysistest.end(env)

al2_trap_test = analysistest.make(_impl, expect_failure = True)

def _layer_conflict_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, "numpy 2.4.6 is in layer")
    asserts.expect_failure(env, "//:layer_python3_12 at version 2.2.6")
    asserts.expect_failure(env, "hint: build the layer and the function from the same lock")
    return analysistest.end(env)

layer_conflict_test = analysistest.make(_layer_conflict_impl, expect_failure = True)

def _pycache_exclude_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, "`bytecode = \"pyc\"` writes the bytecode to `__pycache__/`, which `exclude` entry \"**/__pycache__/**\" leaves out")
    asserts.expect_failure(env, "hint: remove that entry")
    return analysistest.end(env)

pycache_exclude_test = analysistest.make(_pycache_exclude_impl, expect_failure = True)

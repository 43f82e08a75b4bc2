"""The python3.11 runtime (Amazon Linux 2, glibc 2.26) refuses numpy 2.4's arm64 wheels."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

def _impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, "no file of numpy 2.4.6 fits the target linux aarch64, glibc <= 2.26, CPython 3.11")
    asserts.expect_failure(env, "numpy-2.4.6-cp311-cp311-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl")
    asserts.expect_failure(env, "a newer glibc, e.g. the AWS Lambda python3.12+ presets")
    return analysistest.end(env)

al2_trap_test = analysistest.make(_impl, expect_failure = True)

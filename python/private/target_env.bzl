"""What the target configuration is, for checks and error messages."""

load("@bazel_skylib//rules:common_settings.bzl", "BuildSettingInfo")
load(":envs_table.bzl", "LIBCS", "PYTHONS")

TargetEnvInfo = provider(
    doc = "The target platform and Python version of a configuration, as ofiuco sees it.",
    fields = {
        "cpu": "str: `x86_64`, `aarch64` or `unknown`.",
        "description": "str: all of the above for humans, e.g. `linux aarch64, glibc <= 2.26, CPython 3.11`.",
        "glibc": "str: the glibc ceiling as `2.X`, or empty when the target has no glibc.",
        "libc": "str: e.g. `glibc_2_26`, `musl_1_2`; empty off Linux.",
        "os": "str: `linux`, `macos`, `windows` or `unknown`.",
        "python": "str: the target Python version (`3.X`, `3.Xt`), or empty when nothing says.",
        "python_source": "str: where `python` comes from, for messages (e.g. `the platform`).",
        "runs_on_host_toolchain": "bool: the version came from the flags or the host, so the target is meant to run with the Python toolchain (not pinned by a rule or a platform).",
    },
)

def _has(ctx, target):
    return ctx.target_platform_has_constraint(target[platform_common.ConstraintValueInfo])

def _first(ctx, pairs, default):
    for name, target in pairs:
        if _has(ctx, target):
            return name
    return default

def _describe_libc(libc):
    if libc.startswith("glibc_"):
        return "glibc <= " + libc[len("glibc_"):].replace("_", ".")
    if libc.startswith("musl_"):
        return "musl " + libc[len("musl_"):].replace("_", ".")
    return ""

def _python(ctx):
    """(version, source, runs on the host toolchain)."""
    pinned = ctx.attr._pinned[BuildSettingInfo].value
    if pinned:
        return pinned, "the rule's `python_version` attribute", False
    platform = _first(ctx, zip(PYTHONS, ctx.attr._python_constraints), "")
    if platform:
        return platform, "the target platform (@ofiuco//python/version:{})".format(platform), False
    resolved = ctx.attr._resolved[BuildSettingInfo].value
    return resolved, ctx.attr._source[BuildSettingInfo].value, True

def _target_env_impl(ctx):
    os = _first(ctx, [("linux", ctx.attr._linux), ("macos", ctx.attr._macos), ("windows", ctx.attr._windows)], "unknown")
    cpu = _first(ctx, [("x86_64", ctx.attr._x86_64), ("aarch64", ctx.attr._aarch64)], "unknown")
    libc = _first(ctx, zip(LIBCS, ctx.attr._libcs), "") if os == "linux" else ""
    python, source, on_host = _python(ctx)
    parts = [os + " " + cpu]
    if libc:
        parts.append(_describe_libc(libc))
    parts.append("CPython " + (python or "(unknown version)"))
    glibc = libc[len("glibc_"):].replace("_", ".") if libc.startswith("glibc_") else ""
    return [TargetEnvInfo(
        os = os,
        cpu = cpu,
        libc = libc,
        glibc = glibc,
        python = python,
        python_source = source,
        runs_on_host_toolchain = on_host,
        description = ", ".join(parts),
    )]

target_env = rule(
    implementation = _target_env_impl,
    doc = "Describes the target configuration (os, cpu, libc, Python version and where it comes from) as a `TargetEnvInfo`. One instance, `@ofiuco//python/envs:target`, serves every hub.",
    attrs = {
        "_aarch64": attr.label(default = "@platforms//cpu:aarch64"),
        "_libcs": attr.label_list(default = ["//python/libc:" + libc for libc in LIBCS]),
        "_linux": attr.label(default = "@platforms//os:linux"),
        "_macos": attr.label(default = "@platforms//os:macos"),
        "_pinned": attr.label(default = "//python/config:pinned_python_version"),
        "_python_constraints": attr.label_list(default = ["//python/version:" + v for v in PYTHONS]),
        "_resolved": attr.label(default = "//python/config:resolved_python_version"),
        "_source": attr.label(default = "//python/config:python_version_source"),
        "_windows": attr.label(default = "@platforms//os:windows"),
        "_x86_64": attr.label(default = "@platforms//cpu:x86_64"),
    },
)

"""What the target configuration is, for wheel choice and error messages."""

load(":python_version_flag.bzl", "PythonVersionInfo")

TargetEnvInfo = provider(
    doc = "The target platform and Python version of a configuration, as ofiuco sees it.",
    fields = {
        "cpu": "str: `x86_64`, `aarch64` or `unknown`.",
        "description": "str: all of the above for humans, e.g. `linux aarch64, glibc <= 2.26, CPython 3.11`.",
        "glibc": "str: the glibc ceiling as `2.X`, or `` when the target has no glibc.",
        "libc": "str: e.g. `glibc_2_26`, `musl_1_2`, or `` off Linux.",
        "os": "str: `linux`, `macos`, `windows` or `unknown`.",
        "python": "str: the target Python version, `3.X`.",
    },
)

_PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]

_LIBCS = ["glibc_2_17", "glibc_2_26", "glibc_2_28", "glibc_2_31", "glibc_2_34", "glibc_2_35", "glibc_2_36", "glibc_2_39", "musl_1_2"]

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

def _target_env_impl(ctx):
    os = _first(ctx, [("linux", ctx.attr._linux), ("macos", ctx.attr._macos), ("windows", ctx.attr._windows)], "unknown")
    cpu = _first(ctx, [("x86_64", ctx.attr._x86_64), ("aarch64", ctx.attr._aarch64)], "unknown")
    libc = _first(ctx, zip(_LIBCS, ctx.attr._libcs), "") if os == "linux" else ""
    python = ctx.attr._python_version[PythonVersionInfo].value
    if python == "auto":
        python = _first(ctx, zip(_PYTHONS, ctx.attr._python_constraints), ctx.attr.host_python_version)
    parts = [os + " " + cpu]
    if libc:
        parts.append(_describe_libc(libc))
    parts.append("CPython " + python)
    glibc = libc[len("glibc_"):].replace("_", ".") if libc.startswith("glibc_") else ""
    return [TargetEnvInfo(os = os, cpu = cpu, libc = libc, glibc = glibc, python = python, description = ", ".join(parts))]

target_env = rule(
    implementation = _target_env_impl,
    doc = "Describes the target configuration (os, cpu, libc, Python version) as a `TargetEnvInfo`.",
    attrs = {
        "host_python_version": attr.string(
            mandatory = True,
            doc = "The Python version that `auto` stands for (the hub's default).",
        ),
        "_aarch64": attr.label(default = "@platforms//cpu:aarch64"),
        "_libcs": attr.label_list(default = ["//python/libc:" + libc for libc in _LIBCS]),
        "_linux": attr.label(default = "@platforms//os:linux"),
        "_macos": attr.label(default = "@platforms//os:macos"),
        "_python_constraints": attr.label_list(default = ["//python/version:" + v for v in _PYTHONS]),
        "_python_version": attr.label(default = "//python/config:python_version"),
        "_windows": attr.label(default = "@platforms//os:windows"),
        "_x86_64": attr.label(default = "@platforms//cpu:x86_64"),
    },
)

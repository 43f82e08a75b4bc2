"""The C/C++ compiler of builds from source: zig (the default) or the C++ toolchain registered for the target.

`--@ofiuco//python/config:build_cc=toolchain` selects `target_cc`, which
resolves `@bazel_tools//tools/cpp:toolchain_type` for the target platform of
the build (the platform `py_zip` builds for, or the host's): a user's own
cross gcc/clang with its sysroot, or, for host builds, the C++ toolchain
Bazel configures from the host's compiler.
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(":target_env.bzl", "TargetEnvInfo")

_CPP_TOOLCHAIN = "@bazel_tools//tools/cpp:toolchain_type"

BuildCcInfo = provider(
    doc = "The compilers a build from source uses instead of zig.",
    fields = {
        "ar": "str: the archiver (an exec path or an absolute path).",
        "cc": "str: the C compiler driver, which also links shared objects.",
        "cxx": "str: the C++ compiler driver.",
        "files": "depset[File]: the toolchain's files (inputs of the build).",
        "toolchain": "str: the toolchain's label, for messages.",
    },
)

def _target_cc_impl(ctx):
    found = ctx.toolchains[_CPP_TOOLCHAIN]
    if not found:
        env = ctx.attr.target_env[TargetEnvInfo]
        fail(("ofiuco: --@ofiuco//python/config:build_cc=toolchain, but no C/C++ toolchain " +
              "(`{}`) is registered for {}.\nhint: register a cc_toolchain whose target_compatible_with " +
              "matches that platform (a cross compiler with a sysroot of the target's glibc), or build with " +
              "zig, the default (--@ofiuco//python/config:build_cc=zig).").format(_CPP_TOOLCHAIN, env.description))
    cc = found.cc

    # Bazel 7's global cc_common: ofiuco does not depend on rules_cc (its
    # cc_common.bzl re-exports this one).
    # buildifier: disable=native-cc-common
    features = cc_common.configure_features(
        ctx = ctx,
        cc_toolchain = cc,
        requested_features = ctx.features,
        unsupported_features = ctx.disabled_features,
    )

    # buildifier: disable=native-cc-common
    c_compiler = cc_common.get_tool_for_action(feature_configuration = features, action_name = ACTION_NAMES.c_compile)

    # buildifier: disable=native-cc-common
    cxx_compiler = cc_common.get_tool_for_action(feature_configuration = features, action_name = ACTION_NAMES.cpp_compile)
    return [BuildCcInfo(
        ar = cc.ar_executable,
        cc = c_compiler,
        cxx = cxx_compiler,
        files = cc.all_files,
        toolchain = str(cc.toolchain_id) if hasattr(cc, "toolchain_id") else _CPP_TOOLCHAIN,
    )]

target_cc = rule(
    implementation = _target_cc_impl,
    doc = "The C/C++ toolchain resolved for the target platform, as a `BuildCcInfo` (`--@ofiuco//python/config:build_cc=toolchain`).",
    attrs = {
        "target_env": attr.label(default = "//python/envs:target", providers = [TargetEnvInfo], doc = "Describes the target configuration, for messages."),
    },
    fragments = ["cpp"],
    toolchains = [config_common.toolchain_type(_CPP_TOOLCHAIN, mandatory = False)],
)

def _zig_cc_impl(_ctx):
    return []

zig_cc = rule(
    implementation = _zig_cc_impl,
    doc = "No `BuildCcInfo`: builds from source compile with zig (`--@ofiuco//python/config:build_cc=zig`, the default).",
)

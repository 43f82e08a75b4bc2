"""The `ofiuco` helper as a toolchain, resolved for each action's execution platform."""

HELPER_TOOLCHAIN_TYPE = Label("//python/toolchain:helper_toolchain_type")

# The execution requirements of helper actions whose command lines name files
# only as `File`s (`args.add(file)`, or `.path` read inside a `map_each`
# callback, which Bazel 7.2+ maps), never as `.path` strings formatted at
# analysis time. With `--experimental_output_paths=strip`, Bazel runs them
# (sandboxed or remotely) with configuration-free `bazel-out/cfg/` paths, so the
# same action in two configurations has one cache key.
PATH_MAPPING = {"supports-path-mapping": "1"}

def helper(ctx):
    """The `ofiuco` executable that this rule's actions run, from the resolved helper toolchain.

    Pass `toolchain = HELPER_TOOLCHAIN_TYPE` to `ctx.actions.run` with it.

    Args:
      ctx: the rule context of a rule with `toolchains = [HELPER_TOOLCHAIN_TYPE]`.

    Returns:
      The helper's File.
    """
    return ctx.toolchains[HELPER_TOOLCHAIN_TYPE].helper

def _ofiuco_helper_toolchain_impl(ctx):
    return [platform_common.ToolchainInfo(helper = ctx.file.helper)]

ofiuco_helper_toolchain = rule(
    implementation = _ofiuco_helper_toolchain_impl,
    doc = """An `ofiuco` helper binary, for a `toolchain()` of type `@ofiuco//python/toolchain:helper_toolchain_type`.

ofiuco's build actions run the helper of the toolchain that Bazel resolves for
their execution platform. ofiuco registers one per published prebuilt binary
(downloaded, pinned by sha256, only when resolved) and the helper that cargo
builds for the host as the fallback. To use a helper of your own (built
elsewhere, or for an execution platform ofiuco does not publish), declare it
and register it in your root module, whose toolchains come first:

```starlark
load("@ofiuco//python:helper_toolchain.bzl", "ofiuco_helper_toolchain")

ofiuco_helper_toolchain(
    name = "ofiuco_linux_riscv64",
    helper = "@my_ofiuco_riscv64//file",  # e.g. an http_file with its sha256
)

toolchain(
    name = "ofiuco_linux_riscv64_toolchain",
    exec_compatible_with = ["@platforms//os:linux", "@platforms//cpu:riscv64"],
    toolchain = ":ofiuco_linux_riscv64",
    toolchain_type = "@ofiuco//python/toolchain:helper_toolchain_type",
)
```

and `register_toolchains("//tools:ofiuco_linux_riscv64_toolchain")` in
MODULE.bazel. The binary must be the helper of the same ofiuco version.

Provides `platform_common.ToolchainInfo` with one field, `helper`: the
executable `File`.""",
    attrs = {
        "helper": attr.label(
            mandatory = True,
            allow_single_file = True,
            executable = True,
            cfg = "exec",
            doc = "The `ofiuco` binary, built for the execution platforms that the `toolchain()` using this target declares in `exec_compatible_with`.",
        ),
    },
)

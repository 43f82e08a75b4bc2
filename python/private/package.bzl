"""The `package` rule: one locked Python distribution, installed for the target."""

load("@rules_python//python:py_info.bzl", "PyInfo")
load(":helper_toolchain.bzl", "HELPER_TOOLCHAIN_TYPE", "PATH_MAPPING", "helper")
load(":hub_target.bzl", "hub_transition")
load(":providers.bzl", "OfiucoPackageInfo", "normalize_name", "runfiles_path")
load(":target_env.bzl", "TargetEnvInfo")

def _misfit(env, line, build_mode):
    """Why one file of `available` does not fit `env`; None when it is for another OS or CPU."""
    filename, os, cpus, libc, pythons, tag = line.split("|")
    if os == "sdist":
        if build_mode == "never":
            return filename + ": an sdist, not built: building is turned off for this package (`poetry.build(mode = \"never\")`)"
        return filename + ": an sdist, which ofiuco cannot build from this source"
    if os != "any" and (os != env.os or env.cpu not in cpus.split(",")):
        return None
    reasons = []
    if pythons != "*" and env.python not in pythons.split(","):
        reasons.append("{}: the target is CPython {}".format(tag, env.python))
    kind, _, version = libc.partition(" ")
    if kind == "glibc" and not env.glibc:
        reasons.append("needs glibc, the target has " + (env.libc.replace("_", " ", 1).replace("_", ".") or "none"))
    elif kind == "glibc" and _version_key(version) > _version_key(env.glibc):
        reasons.append("needs glibc {}, the target has {}".format(version, env.glibc))
    elif kind == "musl" and not env.libc.startswith("musl"):
        reasons.append("needs musl {}, the target has glibc".format(version))
    return "{}: {}".format(filename, "; ".join(reasons) or "should fit (please report this)")

def _version_key(version):
    return [int(part) for part in version.split(".") if part.isdigit()]

def _no_wheel_message(ctx, env):
    attr = ctx.attr
    if attr.unsupported:
        return "ofiuco: cannot build {} {} for {}: {}".format(attr.distribution, attr.version, env.description, attr.unsupported)
    if not env.python:
        return ("ofiuco: cannot tell which Python version {dist} {version} is for ({target}): {source}.\n" +
                "hint: set --@ofiuco//python/config:python_version=3.X (and register a Python toolchain of that version), " +
                "or use a platform that carries @ofiuco//python/version:3.X.").format(
            dist = attr.distribution,
            version = attr.version,
            target = env.description,
            source = env.python_source,
        )
    lines = [m for m in [_misfit(env, line, attr.build_mode) for line in attr.available] if m]
    allow = ""
    if attr.build_mode == "never":
        allow = "allow building it from its sdist (`poetry.build(hub = ..., package = \"{}\", mode = \"auto\")`), ".format(attr.distribution)
    return ("ofiuco: no file of {dist} {version} fits the target {target}.\n" +
            "  files for {os} {cpu} ({others} for other platforms):\n    {files}\n" +
            "hint: {allow}lock a version of {dist} that ships a wheel for this target, target another runtime " +
            "(a newer glibc, e.g. the AWS Lambda python3.12+ presets, or another Python version), " +
            "or leave {dist} out of this target.").format(
        allow = allow,
        dist = attr.distribution,
        version = attr.version,
        target = env.description,
        os = env.os,
        cpu = env.cpu,
        others = len(attr.available) - len(lines),
        files = "\n    ".join(lines) or "(none)",
    )

def _install(ctx, wheel):
    tree = ctx.actions.declare_directory("_ofiuco/" + ctx.label.name)
    args = ctx.actions.args()
    args.add("install")
    args.add("--wheel", wheel)
    args.add_all([tree], before_each = "--output", expand_directories = False)
    ctx.actions.run(
        executable = helper(ctx),
        toolchain = HELPER_TOOLCHAIN_TYPE,
        arguments = [args],
        inputs = [wheel],
        outputs = [tree],
        mnemonic = "OfiucoInstall",
        execution_requirements = PATH_MAPPING,
        progress_message = "Installing {} {} (%{{label}})".format(ctx.attr.distribution, ctx.attr.version),
    )
    return tree

def _fragment(ctx, wheel, env):
    """Packs the wheel's site-packages into a zip fragment for py_zip, checking its ELF files against the target.

    Straight from the wheel, not from the installed tree: its compressed
    entries are copied after their RECORD hashes are verified, so a zip needs
    no install action and nothing is compressed twice.
    """
    fragment = ctx.actions.declare_file("_ofiuco/{}.fragment.zip".format(ctx.label.name))
    args = ctx.actions.args()
    args.add("fragment")
    args.add("--wheel", wheel)
    args.add("--package", ctx.attr.distribution)
    args.add("--output", fragment)
    if env.os == "linux" and env.cpu != "unknown":
        args.add("--check-cpu", env.cpu)
    if env.glibc:
        args.add("--check-glibc", env.glibc)
    ctx.actions.run(
        executable = helper(ctx),
        toolchain = HELPER_TOOLCHAIN_TYPE,
        arguments = [args],
        inputs = [wheel],
        outputs = [fragment],
        mnemonic = "OfiucoFragment",
        execution_requirements = PATH_MAPPING,
        progress_message = "Packing {} {} for {} (%{{label}})".format(ctx.attr.distribution, ctx.attr.version, env.description),
    )
    return fragment

def _package_impl(ctx):
    env = ctx.attr.target_env[TargetEnvInfo]
    if not ctx.file.wheel:
        fail(_no_wheel_message(ctx, env))
    tree = _install(ctx, ctx.file.wheel)
    fragment = _fragment(ctx, ctx.file.wheel, env)
    deps = [d[PyInfo] for d in ctx.attr.deps + [ctx.attr._python_check]]
    runfiles = ctx.runfiles(files = [tree]).merge_all([d[DefaultInfo].default_runfiles for d in ctx.attr.deps + [ctx.attr._python_check]])
    return [
        DefaultInfo(files = depset([tree]), runfiles = runfiles),
        PyInfo(
            transitive_sources = depset([tree], transitive = [d.transitive_sources for d in deps]),
            imports = depset([runfiles_path(ctx, tree) + "/site-packages"], transitive = [d.imports for d in deps]),
            uses_shared_libraries = True,
            has_py3_only_sources = True,
        ),
        OfiucoPackageInfo(
            name = normalize_name(ctx.attr.distribution),
            version = ctx.attr.version,
            tree = tree,
            fragment = fragment,
            deps = [d[OfiucoPackageInfo].name for d in ctx.attr.deps if OfiucoPackageInfo in d],
        ),
        OutputGroupInfo(ofiuco_install = depset([tree]), ofiuco_fragment = depset([fragment])),
    ]

package = rule(
    implementation = _package_impl,
    # Resolves the target Python like the hub's public names do, so that a
    # locked version named directly (`@hub//:numpy__2.4.6`) selects alike.
    cfg = hub_transition,
    doc = """One locked Python distribution, installed for the target configuration.

The generated hub repository declares one `package` per locked (name, version);
`@hub//:name` is an alias of it. The `wheel` attribute is a `select()` over
target environments written by `ofiuco lock`, so only the file the target
needs is ever fetched; where no locked wheel fits, it is the wheel that the
package's `sdist_build` target builds from its sdist. The wheel is installed by `ofiuco install` in one build
action into a tree (`site-packages/`, `bin/`, `include/`, `data/`); `PyInfo`
carries one import path per package. For `py_zip`, `ofiuco fragment --wheel`
packs the same site-packages files straight from the wheel (its compressed
entries copied, not recompressed), so a zip needs no install action.""",
    attrs = {
        "available": attr.string_list(doc = "The files of this version in the lock, one `<file>|<os>|<cpus>|<libc>|<pythons>|<tag>` line each (what each needs from a target), for the error when none fits."),
        "build_mode": attr.string(default = "auto", values = ["auto", "always", "never"], doc = "The package's build policy (`poetry.build(mode = ...)`), for the error when no wheel fits."),
        "deps": attr.label_list(providers = [PyInfo], doc = "Dependencies, already filtered by their markers for each target environment."),
        "distribution": attr.string(mandatory = True, doc = "The distribution name as locked."),
        "target_env": attr.label(default = "//python/envs:target", providers = [TargetEnvInfo], doc = "Describes the configuration, for checks and error messages."),
        "unsupported": attr.string(doc = "Why this package cannot be built (e.g. a git source); fails analysis when set."),
        "version": attr.string(mandatory = True, doc = "The locked version."),
        "wheel": attr.label(allow_single_file = [".whl"], doc = "The wheel for this target (a `select()`); unset when none fits."),
        "_allowlist_function_transition": attr.label(default = "@bazel_tools//tools/allowlists/function_transition_allowlist"),
        "_python_check": attr.label(default = "//python/private:python_check", providers = [PyInfo]),
    },
    provides = [PyInfo, OfiucoPackageInfo],
    toolchains = [HELPER_TOOLCHAIN_TYPE],
)

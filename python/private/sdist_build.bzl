"""Building a wheel from an sdist for the target: `sdist_build`, `build_requires`, `exec_python`.

The hub declares one `sdist_build` per package that has an sdist; the
package's `wheel` picks it where no locked wheel fits the target (or always,
with `poetry.build(mode = "always")`). Its output is a verified wheel, so
`ofiuco install`, fragments, `py_zip` and `py_venv` use it like a downloaded one.
"""

load("@rules_python//python:py_info.bzl", "PyInfo")
load(":build_cc.bzl", "BuildCcInfo")
load(":envs.bzl", "target_python_version")
load(":helper_toolchain.bzl", "HELPER_TOOLCHAIN_TYPE", "helper")
load(":providers.bzl", "CARGO_VENDOR_DIR", "dist_info_name")
load(":target_env.bzl", "TargetEnvInfo")

_PY_TOOLCHAIN = "@bazel_tools//tools/python:toolchain_type"
_PLATFORMS = "//command_line_option:platforms"
_OFIUCO_FLAG = str(Label("//python/config:python_version"))
_PINNED = str(Label("//python/config:pinned_python_version"))

# Build actions never get the network, whatever --sandbox_default_allow_network
# says: a sandboxing strategy (linux-sandbox) runs them in a network namespace
# of their own. (Bazel tests only the presence of "requires-network", so
# `{"requires-network": "0"}` would *grant* the network.)
_NO_NETWORK = {"block-network": "1"}

BuildRequiresInfo = provider(
    doc = "What building one sdist needs, read from its `[build-system]` by the sdist's repository.",
    fields = {
        "backend": "str: the PEP 517 backend (`module:object`).",
        "backend_path": "list[str]: `backend-path` entries, relative to the source tree.",
        "cargo_vendor": "depset[File]: the vendored crates of a Rust extension (empty for others).",
        "cargo_vendor_dir": "str: the directory of `cargo_vendor` (one subdirectory per crate), or \"\".",
        "cxx": "bool: the source has C++ files (or builds with pybind11/nanobind): its build starts from a compiler cache with the C++ runtime built.",
        "requires": "list[str]: `build-system.requires`, checked again in the build action.",
        "rust": "depset[File]: rustc and cargo for the host with the targets' standard libraries (`@ofiuco_rust`), for Rust extensions; else empty.",
        "rust_bin": "str: the directory of `cargo` and `rustc`, or \"\".",
        "site_packages": "depset[File]: installed trees of the build dependencies (and theirs), for PYTHONPATH.",
    },
)

ExecPythonInfo = provider(
    doc = "The interpreter that runs build backends: a Python toolchain resolved for the host and the target's Python version.",
    fields = {
        "files": "depset[File]: the interpreter's files (empty for a system interpreter).",
        "interpreter": "str: its path (an exec path, or an absolute path for `interpreter_path` runtimes).",
    },
)

def _exec_side_impl(settings, attr):
    # Build dependencies and the interpreter run on the machine that builds
    # (this host), for the *target's* Python version: Cython's cp313 wheel
    # for a 3.13 target, and a python3.13 toolchain.
    version = attr.python_version
    return {
        _PLATFORMS: [Label("@local_config_platform//:host")],
        _PINNED: version,
        _OFIUCO_FLAG: version or settings[_OFIUCO_FLAG],
    }

exec_side_transition = transition(
    implementation = _exec_side_impl,
    inputs = [_OFIUCO_FLAG],
    outputs = [_PLATFORMS, _PINNED, _OFIUCO_FLAG],
)

def _dir_of(files, marker):
    """The path up to and including `marker` of the first of `files` (whose paths hold it), or ""."""
    for f in files:
        head, sep, _ = f.path.partition("/" + marker + "/")
        if sep:
            return head + "/" + marker
    return ""

def _build_requires_impl(ctx):
    trees = [d[PyInfo].transitive_sources for d in ctx.attr.deps]
    rust = ctx.files.rust
    return [BuildRequiresInfo(
        backend = ctx.attr.backend,
        backend_path = ctx.attr.backend_path,
        cargo_vendor = depset(ctx.files.cargo_vendor),
        cargo_vendor_dir = _dir_of(ctx.files.cargo_vendor, CARGO_VENDOR_DIR),
        cxx = ctx.attr.cxx,
        requires = ctx.attr.requires,
        rust = depset(rust),
        rust_bin = [f.dirname for f in rust if f.basename == "cargo" and f.dirname.endswith("/bin")][0] if rust else "",
        site_packages = depset(transitive = trees),
    )]

build_requires = rule(
    implementation = _build_requires_impl,
    doc = "The build requirements of one sdist (`:build_requires` of its file repository), as hub targets of the build tools.",
    attrs = {
        "backend": attr.string(mandatory = True, doc = "The PEP 517 `build-backend`."),
        "backend_path": attr.string_list(doc = "The `backend-path` entries."),
        "cargo_vendor": attr.label_list(allow_files = True, doc = "The vendored crates of a Rust extension (`_ofiuco_cargo_vendor/**` of the sdist's repository)."),
        "cxx": attr.bool(doc = "The source has C++ files (`ofiuco sdist-info`'s `cxx`)."),
        "deps": attr.label_list(providers = [PyInfo], doc = "The build tools' hub targets that provide `requires` (and `packaging`, which the frontend uses)."),
        "requires": attr.string_list(doc = "`build-system.requires` as written."),
        "rust": attr.label(allow_files = True, doc = "For a Rust extension: `@ofiuco_rust//:files` (fetched only then)."),
    },
    provides = [BuildRequiresInfo],
)

def _exec_python_impl(ctx):
    runtime = ctx.toolchains[_PY_TOOLCHAIN].py3_runtime
    if runtime.interpreter:
        return [ExecPythonInfo(interpreter = runtime.interpreter.path, files = depset([runtime.interpreter], transitive = [runtime.files]))]
    return [ExecPythonInfo(interpreter = runtime.interpreter_path, files = depset())]

exec_python = rule(
    implementation = _exec_python_impl,
    doc = "The Python toolchain's interpreter in this configuration, as an `ExecPythonInfo`.",
    toolchains = [_PY_TOOLCHAIN],
)

_SEED = """\
set -eu
out="$1"; zig="$PWD/$2"; target="$3"
work="$(mktemp -d)"
mkdir -p "$out"
printf '#include <stdio.h>\\n#include <math.h>\\n#include <pthread.h>\\nint f(double x) { printf("%%f", sqrt(x)); return 0; }\\n' >"$work/seed.c"
ZIG_GLOBAL_CACHE_DIR="$PWD/$out" ZIG_LOCAL_CACHE_DIR="$PWD/$out" "$zig" cc -target "$target" -g0 -fno-sanitize=undefined -O2 -fPIC -shared -s -o "$work/seed.so" "$work/seed.c" -lm -lpthread
if [ "$4" = cxx ]; then
  # libc++, libc++abi and libunwind: about a minute on two cores, once here
  # instead of in every C++ build.
  printf '#include <string>\\n#include <vector>\\n#include <stdexcept>\\nint g(const char *s) { std::vector<std::string> v{s}; try { return std::stoi(v[0]); } catch (const std::exception &) { return -1; } }\\n' >"$work/seed.cc"
  ZIG_GLOBAL_CACHE_DIR="$PWD/$out" ZIG_LOCAL_CACHE_DIR="$PWD/$out" "$zig" c++ -target "$target" -g0 -fno-sanitize=undefined -O2 -fPIC -shared -s -o "$work/seed-cxx.so" "$work/seed.cc"
fi
rm -rf "$work"
# z/ holds the ZIR of zig's own sources (compiler_rt, the glibc stubs): only
# needed to compile them again, which a build whose flags match the seed's does
# not (it finds the results in o/ through h/). 699 of the cache's 772 files and
# 43 of its 45 MB, each a sandbox link and a copy in every build from source.
rm -rf "$out/z" "$out/tmp"
"""

def _zig_cache_impl(ctx):
    env = ctx.attr.target_env[TargetEnvInfo]
    out = ctx.actions.declare_directory(ctx.label.name)
    if env.os != "linux" or env.cpu not in ["aarch64", "x86_64"] or not env.glibc:
        ctx.actions.run_shell(outputs = [out], command = "mkdir -p \"$1\"", arguments = [out.path])
        return [DefaultInfo(files = depset([out]))]
    target = "{}-linux-gnu.{}".format(env.cpu, env.glibc)
    ctx.actions.run_shell(
        command = _SEED,
        arguments = [out.path, ctx.file._zig.path, target, "cxx" if ctx.attr.cxx else "c"],
        inputs = depset([ctx.file._zig], transitive = [depset(ctx.files._zig_files)]),
        outputs = [out],
        mnemonic = "OfiucoZigCache",
        progress_message = "Seeding zig's cache for {} (libc stubs of glibc {}{}; once per target)".format(env.cpu, env.glibc, ", libc++" if ctx.attr.cxx else ""),
        execution_requirements = _NO_NETWORK,
    )
    return [DefaultInfo(files = depset([out]))]

zig_cache = rule(
    implementation = _zig_cache_impl,
    doc = "zig's global cache after compiling a tiny C library for the target (its libc startup files and glibc stubs built once; with `cxx`, a C++ one too: libc++), copied into each build from source.",
    attrs = {
        "cxx": attr.bool(doc = "Also build the C++ runtime (libc++, libc++abi, libunwind), for sources with C++ files."),
        "target_env": attr.label(default = "//python/envs:target", providers = [TargetEnvInfo], doc = "Describes the target configuration."),
        "_zig": attr.label(default = "@ofiuco_zig//:ziglang/zig", allow_single_file = True),
        "_zig_files": attr.label(default = "//python/private/build:target_zig_files"),
    },
)

def _wheel_name(ctx, env):
    tag = "py3-none-any"
    if ctx.attr.native:
        py = "cp" + env.python.replace(".", "")
        tag = "{py}-{py}-manylinux_{glibc}_{cpu}".format(py = py, glibc = env.glibc.replace(".", "_"), cpu = env.cpu)
    return "{}-{}-{}.whl".format(dist_info_name(ctx.attr.distribution), ctx.attr.version, tag)

def _unsupported(ctx, env):
    what = "{} {} for {}".format(ctx.attr.distribution, ctx.attr.version, env.description)
    hint = "hint: supply a wheel with `poetry.build(hub = ..., package = \"{}\", wheel = \"//:my.whl\")`, or leave it out of this target.".format(ctx.attr.distribution)
    if env.os != "linux" or env.cpu not in ["aarch64", "x86_64"] or not env.glibc:
        return "ofiuco: no wheel of {} fits, and ofiuco builds from source only for linux aarch64/x86_64 with glibc so far.\n{}".format(what, hint)
    if env.python.endswith("t"):
        return "ofiuco: no wheel of {} fits, and ofiuco does not build free-threaded (3.Xt) wheels from source yet.\n{}".format(what, hint)
    if not ctx.files.headers:
        return "ofiuco: cannot build {}: ofiuco has no pinned CPython {} headers for {} (see python/private/python_headers_repo.bzl).\n{}".format(what, env.python, env.cpu, hint)
    return None

def _build(ctx, env, raw):
    req = ctx.attr.requires[0][BuildRequiresInfo]
    python = ctx.attr._python[0][ExecPythonInfo]
    trees = req.site_packages.to_list()
    args = ctx.actions.args()

    # -B: importing interpreter.py must not write bytecode beside the sources.
    args.add("-B")
    args.add(ctx.file._frontend)
    if ctx.file.sdist:
        args.add("--sdist", ctx.file.sdist)
        sources = [ctx.file.sdist]
        origin = "its sdist"
    else:
        root = ctx.attr.tree.label.workspace_root
        if ctx.attr.tree_root:
            root += "/" + ctx.attr.tree_root
        args.add("--src-dir", root)
        args.add("--origin", ctx.attr.origin or str(ctx.attr.tree.label))
        sources = ctx.files.tree
        origin = ctx.attr.origin or "its source tree"
    args.add("--output", raw)
    args.add("--package", ctx.attr.distribution)
    args.add("--version", ctx.attr.version)
    args.add("--target", env.description)
    args.add("--cpu", env.cpu)
    args.add("--glibc", env.glibc)
    args.add("--python", env.python)
    args.add("--headers", ctx.files.headers[0].path.split("/include/")[0] + "/include")
    if BuildCcInfo in ctx.attr._cc:
        # The user's C/C++ toolchain for the target, instead of zig.
        cc = ctx.attr._cc[BuildCcInfo]
        args.add("--cc", cc.cc)
        args.add("--cxx", cc.cxx)
        args.add("--ar", cc.ar)
        compilers = cc.files
    else:
        args.add("--zig", ctx.file._zig)
        zig_cache = ctx.file._zig_cache_cxx if req.cxx else ctx.file._zig_cache
        args.add("--zig-cache", zig_cache.path)
        compilers = depset([ctx.file._zig, zig_cache], transitive = [depset(ctx.files._zig_files)])
    rust = []
    if req.rust_bin:
        args.add("--rust-bin", req.rust_bin)
        args.add("--cargo-vendor", req.cargo_vendor_dir or "")
        rust = [req.rust, req.cargo_vendor]
    args.add("--backend", req.backend)
    args.add_all(req.backend_path, before_each = "--backend-path")
    args.add_all(req.requires, before_each = "--requires")
    args.add_all(trees, before_each = "--path", format_each = "%s/site-packages", expand_directories = False)
    ctx.actions.run(
        executable = python.interpreter,
        arguments = [args],
        inputs = depset(sources + [ctx.file._frontend, ctx.file._interpreter_check] + ctx.files.headers + trees, transitive = [python.files, compilers] + rust),
        outputs = [raw],
        mnemonic = "OfiucoBuildWheel",
        progress_message = "Building {} {} from {} for {} (%{{label}})".format(ctx.attr.distribution, ctx.attr.version, origin, env.description),
        execution_requirements = _NO_NETWORK,
    )

def _check(ctx, env, raw, wheel):
    # The tags are the backend's choice (`py3-none-any`, or `py2.py3-none-any`
    # for a "universal" setup.cfg; `cp310-abi3` for a PyO3 extension built
    # for the stable ABI): check-wheel names it in a directory, and the
    # declared file (the name `package` installs from) is a copy.
    checked = ctx.actions.declare_directory("checked", sibling = wheel)
    args = ctx.actions.args()
    args.add("check-wheel")
    args.add("--wheel", raw)
    args.add("--output", checked.path)
    args.add("--os", env.os)
    args.add("--cpu", env.cpu)
    args.add("--glibc", env.glibc)
    args.add("--python", env.python)
    if ctx.attr.native:
        args.add("--native")
    ctx.actions.run(
        executable = helper(ctx),
        toolchain = HELPER_TOOLCHAIN_TYPE,
        arguments = [args],
        inputs = [raw],
        outputs = [checked],
        mnemonic = "OfiucoCheckWheel",
        progress_message = "Checking the built wheel of {} {} for {} (%{{label}})".format(ctx.attr.distribution, ctx.attr.version, env.description),
    )
    if checked != wheel:
        ctx.actions.run_shell(
            command = 'set -- "$1"/*.whl "$2"; [ "$#" = 2 ] && [ -f "$1" ] && cp "$1" "$2"',
            arguments = [checked.path, wheel.path],
            inputs = [checked],
            outputs = [wheel],
            mnemonic = "OfiucoCopyWheel",
            progress_message = "Naming the built wheel of {} {} (%{{label}})".format(ctx.attr.distribution, ctx.attr.version),
        )

def _sdist_build_impl(ctx):
    env = ctx.attr.target_env[TargetEnvInfo]
    if bool(ctx.attr.sdist) == bool(ctx.attr.tree):
        fail("sdist_build {}: set exactly one of `sdist` and `tree`.".format(ctx.label))
    problem = _unsupported(ctx, env)
    if problem:
        fail(problem)
    name = _wheel_name(ctx, env)
    raw = ctx.actions.declare_file("_ofiuco_build/{}/raw/{}".format(ctx.label.name, name))
    wheel = ctx.actions.declare_file("_ofiuco_build/{}/{}".format(ctx.label.name, name))
    _build(ctx, env, raw)
    _check(ctx, env, raw, wheel)
    return [DefaultInfo(files = depset([wheel]))]

_sdist_build = rule(
    implementation = _sdist_build_impl,
    doc = """A wheel of one locked package built from its sdist (or a source tree: a git checkout, a local directory) for the target configuration.

Two actions: `OfiucoBuildWheel` runs ofiuco's PEP 517 frontend
(`python/private/build/frontend.py`) on an interpreter of the target's Python
version with the build dependencies installed for this host, cross-compiling
with zig for the target's CPU and glibc ceiling (or with the C++ toolchain
registered for the target, `--@ofiuco//python/config:build_cc=toolchain`); `OfiucoCheckWheel` verifies
the result (ELF machine, glibc symbol versions, a native package must not come
out pure) and retags it `manylinux_<ceiling>_<cpu>`. No network.""",
    attrs = {
        "distribution": attr.string(mandatory = True, doc = "The distribution name as locked."),
        "headers": attr.label(default = "//python/private/build:target_headers", doc = "The target CPython's C headers (`include/`); chosen per target by default."),
        "native": attr.bool(doc = "The wheel must contain compiled code: a pure-Python result (a silently failed compile) is an error."),
        "origin": attr.string(doc = "Where `tree` comes from (a git repository and commit, a local directory), for messages."),
        "python_version": attr.string(doc = "The target Python version (`3.X`), which selects the build interpreter and build dependencies; set by the `sdist_build` macro."),
        "requires": attr.label(mandatory = True, cfg = exec_side_transition, providers = [BuildRequiresInfo], doc = "The sdist's `:build_requires` (from its file repository)."),
        "sdist": attr.label(allow_single_file = [".tar.gz", ".zip"], doc = "The sdist file (or `tree`)."),
        "target_env": attr.label(default = "//python/envs:target", providers = [TargetEnvInfo], doc = "Describes the target configuration."),
        "tree": attr.label(allow_files = True, doc = "A source tree's files (`:tree` of a `git_source_repo` or `local_source_repo`), instead of `sdist`."),
        "tree_root": attr.string(doc = "The project's directory inside `tree`'s repository (a git `subdirectory`); the repository's root by default."),
        "version": attr.string(mandatory = True, doc = "The locked version."),
        "_allowlist_function_transition": attr.label(default = "@bazel_tools//tools/allowlists/function_transition_allowlist"),
        "_cc": attr.label(default = "//python/private/build:cc"),
        "_frontend": attr.label(default = "//python/private/build:frontend.py", allow_single_file = True),
        "_interpreter_check": attr.label(default = "//python/private/build:interpreter.py", allow_single_file = True),
        "_python": attr.label(default = "//python/private/build:exec_python", cfg = exec_side_transition, providers = [ExecPythonInfo]),
        "_zig": attr.label(default = "@ofiuco_zig//:ziglang/zig", allow_single_file = True),
        "_zig_cache": attr.label(default = "//python/private/build:zig_cache", allow_single_file = True),
        "_zig_cache_cxx": attr.label(default = "//python/private/build:zig_cache_cxx", allow_single_file = True),
        "_zig_files": attr.label(default = "//python/private/build:target_zig_files"),
    },
    toolchains = [HELPER_TOOLCHAIN_TYPE],
)

def sdist_build(name, **kwargs):
    """Declares the `sdist_build` of one package (what hubs call).

    Args:
      name: the target name (`<package>__<version>.build`).
      **kwargs: the attributes of the rule.
    """
    _sdist_build(name = name, python_version = target_python_version(), **kwargs)

"""Checks that the interpreter running a host target is the Python its wheels were chosen for."""

load("@rules_python//python:py_info.bzl", "PyInfo")
load(":providers.bzl", "runfiles_path")
load(":target_env.bzl", "TargetEnvInfo")

_PY_TOOLCHAIN = "@bazel_tools//tools/python:toolchain_type"

# Run at interpreter start-up (before the first import of the program) when
# this directory is on PYTHONPATH, as Bazel's Python launcher puts every
# `PyInfo.imports` entry there. It then hands over to the next sitecustomize.
_SITECUSTOMIZE = '''\
"""Written by ofiuco: checks the interpreter before the program imports anything."""
import os
import sys

_WANT = {want}
_FREETHREADED = {freethreaded}
_PYTHON = {python_literal}
_SOURCE = {source_literal}
_HAVE = sys.version_info[:2]
_HAVE_FT = getattr(sys, "_is_gil_enabled", lambda: True)() is False
if _HAVE != _WANT or _HAVE_FT != _FREETHREADED:
    sys.stderr.write(
        "ofiuco: this target's packages were chosen for CPython %s (from %s), "
        "but it runs on CPython %d.%d%s (%s).\\n"
        "hint: register a Python toolchain of version %s for this target, or set "
        "--@ofiuco//python/config:python_version to the version of the interpreter that runs it "
        "(and check that the lock allows it).\\n"
        % ((_PYTHON, _SOURCE) + _HAVE + ("t" if _HAVE_FT else "", sys.executable, _PYTHON))
    )
    sys.stderr.flush()
    # Not SystemExit: site.py does not catch it, and Python then aborts its
    # start-up with "Fatal Python error: init_import_site" (exit 1).
    os._exit(86)


def _next_sitecustomize():
    import importlib.machinery
    import importlib.util
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


_next_sitecustomize()
'''

def _toolchain_version(ctx):
    toolchain = ctx.toolchains[_PY_TOOLCHAIN]
    runtime = getattr(toolchain, "py3_runtime", None) if toolchain else None
    info = getattr(runtime, "interpreter_version_info", None) if runtime else None
    if not info:
        return None
    return "{}.{}".format(info.major, info.minor)

def _python_check_impl(ctx):
    env = ctx.attr.target_env[TargetEnvInfo]
    if not env.runs_on_host_toolchain or not env.python:
        return [PyInfo(transitive_sources = depset())]
    have = _toolchain_version(ctx)
    if have and have != env.python.rstrip("t"):
        fail(("ofiuco: the packages of this target are chosen for CPython {want} (from {source}), " +
              "but its Python toolchain is CPython {have}.\nhint: register a Python toolchain of version {want}, " +
              "or set --@ofiuco//python/config:python_version={have} (the lock must allow it).").format(want = env.python, have = have, source = env.python_source))
    out = ctx.actions.declare_file(ctx.label.name + "/sitecustomize.py")
    major, minor = env.python.rstrip("t").split(".")
    ctx.actions.write(out, _SITECUSTOMIZE.format(
        python_literal = json.encode(env.python),
        source_literal = json.encode(env.python_source),
        want = "({}, {})".format(major, minor),
        freethreaded = "True" if env.python.endswith("t") else "False",
    ))
    path = runfiles_path(ctx, out)
    return [
        DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out])),
        PyInfo(transitive_sources = depset([out]), imports = depset([path.rpartition("/")[0]])),
    ]

python_check = rule(
    implementation = _python_check_impl,
    doc = """Guards host targets against running on another Python than their wheels are for.

In configurations whose Python version comes from the flags or the host
(not from a platform or a rule's `python_version`), compares it with the
Python toolchain's version when the toolchain says (`interpreter_version_info`,
at analysis), and otherwise adds a `sitecustomize.py` to the import path that
refuses to start another interpreter, before the program imports anything.""",
    attrs = {
        "target_env": attr.label(default = "//python/envs:target", providers = [TargetEnvInfo], doc = "Describes the configuration."),
    },
    toolchains = [config_common.toolchain_type(_PY_TOOLCHAIN, mandatory = False)],
)

"""Bytecode for archives: the interpreter of the target's Python version and the compile actions.

`py_zip(bytecode = ...)` and `py_image_layer(bytecode = ...)` compile every
package's (and the application's) `.py` files to PEP 552 unchecked-hash pycs
with `python/private/build/bytecode.py`, one action per package, on a Python
toolchain of the *target's* minor version resolved for the host (the same
interpreter source builds use). For a zip each action writes a fragment of
`.pyc` entries that the archive copies beside (or, pyc-only, instead of) the
sources; for a layer, a directory that the layer takes as one more tree.
"""

# buildifier: disable=bzl-visibility (python/ and lib/ share ofiuco's own internals)
load("//python/private:envs.bzl", "target_python_version")

# buildifier: disable=bzl-visibility
load("//python/private:hub_target.bzl", "hub_transition")

# buildifier: disable=bzl-visibility
load("//python/private:sdist_build.bzl", "ExecPythonInfo", "exec_side_transition")
load(":transitions.bzl", "target_transition")

BYTECODE_MODES = ["none", "pyc", "pyc-only"]

BytecodePythonInfo = provider(
    doc = "The interpreter that compiles bytecode for the target configuration's Python version.",
    fields = {
        "files": "depset[File]: the interpreter's files (empty for a system interpreter).",
        "interpreter": "str: its path.",
        "python_version": "str: the target's Python version (`3.X`, `3.Xt`), `` outside ofiuco's table.",
    },
)

def _bytecode_python_impl(ctx):
    python = ctx.attr._python[0][ExecPythonInfo]
    return [BytecodePythonInfo(interpreter = python.interpreter, files = python.files, python_version = ctx.attr.python_version)]

_bytecode_python = rule(
    implementation = _bytecode_python_impl,
    doc = "The Python toolchain's interpreter for the host at the target's Python version, as a `BytecodePythonInfo`.",
    # As a hub's targets: the version resolves from the flags (or the host)
    # where no rule or platform pins it.
    cfg = hub_transition,
    attrs = {
        "python_version": attr.string(doc = "The target's Python version; set by the `bytecode_python` macro."),
        "_allowlist_function_transition": attr.label(default = "@bazel_tools//tools/allowlists/function_transition_allowlist"),
        "_python": attr.label(default = "//python/private/build:exec_python", cfg = exec_side_transition, providers = [ExecPythonInfo]),
    },
    provides = [BytecodePythonInfo],
)

def bytecode_python(name, **kwargs):
    """Declares the bytecode interpreter (one target, `//lib/private:bytecode_python`).

    Args:
      name: the target name.
      **kwargs: common attributes.
    """
    _bytecode_python(name = name, python_version = target_python_version(), **kwargs)

BYTECODE_ATTRS = {
    "bytecode": attr.string(
        default = "none",
        values = BYTECODE_MODES,
        doc = """Precompiled bytecode for faster cold starts. `none`: sources only (every cold start compiles what it imports: Lambda's `/var/task` is read-only). `pyc`: PEP 552 unchecked-hash `.pyc` files in `__pycache__/` beside the sources (tracebacks show source lines). `pyc-only`: `mod.pyc` in place of every `mod.py` (smaller; tracebacks without source lines). Compiled with a Python toolchain of the target's minor version registered for the host (as for builds from source: a missing one is an error naming the version); reproducible. A source that does not compile (Python 2 files some wheels carry) gets no bytecode, and with `pyc-only` it is left out. With `pyc`, an `exclude` of `__pycache__` would drop the bytecode and is refused.""",
    ),
    "_bytecode_compiler": attr.label(default = "//python/private/build:bytecode.py", allow_single_file = True),
    "_bytecode_interpreter_check": attr.label(default = "//python/private/build:interpreter.py", allow_single_file = True),
    # In the target's configuration, where the version select() resolves.
    "_bytecode_python": attr.label(default = "//lib/private:bytecode_python", cfg = target_transition, providers = [BytecodePythonInfo]),
}

# py_venv's: the host configuration is the target's (no transition), and only
# `pyc`: a venv runs host code, whose tracebacks want the sources.
VENV_BYTECODE_ATTRS = {
    "bytecode": attr.string(
        default = "none",
        values = ["none", "pyc"],
        doc = """`pyc`: PEP 552 unchecked-hash `.pyc` files in `__pycache__/` beside every package's sources, compiled for the configuration's Python version by a Python toolchain of that version registered for the host (a missing one is an error naming the version). Bazel's output tree is read-only, so without them every process that imports from the venv compiles what it imports again. Reproducible.""",
    ),
    "_bytecode_compiler": BYTECODE_ATTRS["_bytecode_compiler"],
    "_bytecode_interpreter_check": BYTECODE_ATTRS["_bytecode_interpreter_check"],
    "_bytecode_python": attr.label(default = "//lib/private:bytecode_python", providers = [BytecodePythonInfo]),
}

def bytecode_excludes(ctx, excludes):
    """The archive's exclude globs with bytecode: `**.py` for pyc-only; a `__pycache__` exclude with `pyc` fails.

    Args:
      ctx: the rule context (attrs `bytecode`, `exclude`).
      excludes: the user's exclude globs.

    Returns:
      The globs to pass to the archiver.
    """
    if ctx.attr.bytecode == "pyc":
        for glob in excludes:
            if "__pycache__" in glob:
                fail(("{}: `bytecode = \"pyc\"` writes the bytecode to `__pycache__/`, which `exclude` entry \"{}\" leaves out\n" +
                      "hint: remove that entry (a pyc a wheel ships at the same path is kept, not duplicated), or use `bytecode = \"pyc-only\"`").format(ctx.label, glob))
    if ctx.attr.bytecode == "pyc-only":
        return excludes + ["**.py"]
    return excludes

def compile_bytecode(ctx, packages, files, archive_path):
    """Declares one compile action per package fragment (and one for the application's files), for `py_zip`.

    Args:
      ctx: the rule context (with BYTECODE_ATTRS).
      packages: OfiucoPackageInfo of the shipped packages (their `fragment`s).
      files: application files (the `.py` ones are compiled).
      archive_path: maps an application File to its path in the archive.

    Returns:
      The list of pyc fragments (Files), empty for `bytecode = "none"`.
    """
    python = _python(ctx)
    if not python:
        return []
    outputs = []
    for p in packages:
        out = ctx.actions.declare_file("{}.pyc/{}-{}.zip".format(ctx.label.name, p.name, p.version))
        _compile(ctx, python, p.name, ["--output", out.path], out, [p.fragment], ["--fragment", p.fragment.path], [])
        outputs.append(out)
    sources = [f for f in files if f.extension == "py"]
    if sources:
        out = ctx.actions.declare_file("{}.pyc/_application.zip".format(ctx.label.name))
        _compile(ctx, python, "(application)", ["--output", out.path], out, [], [], [(archive_path(f), f) for f in sources])
        outputs.append(out)
    return outputs

def compile_bytecode_trees(ctx, packages, files, archive_path):
    """Declares one compile action per installed package tree (and one for the application's files), for `py_image_layer`.

    Args:
      ctx: the rule context (with BYTECODE_ATTRS).
      packages: OfiucoPackageInfo of the shipped packages (their `tree`s).
      files: application files (the `.py` ones are compiled).
      archive_path: maps an application File to its path below the application root.

    Returns:
      struct(packages = {"name version": directory with `site-packages/` of pycs}, application = directory of pycs or None).
    """
    python = _python(ctx)
    if not python:
        return struct(packages = {}, application = None)
    trees = {}
    for p in packages:
        out = ctx.actions.declare_directory("{}.pyc/{}-{}".format(ctx.label.name, p.name, p.version))
        _compile(ctx, python, p.name, ["--output-dir", out.path, "--output-prefix", "site-packages"], out, [p.tree], ["--tree", p.tree.path], [])
        trees[_key(p)] = out
    application = None
    sources = [f for f in files if f.extension == "py"]
    if sources:
        application = ctx.actions.declare_directory("{}.pyc/_application".format(ctx.label.name))
        _compile(ctx, python, "(application)", ["--output-dir", application.path], application, [], [], [(archive_path(f), f) for f in sources])
    return struct(packages = trees, application = application)

def pyc_trees(bytecode, packages):
    """The pyc directories of `packages` that `compile_bytecode_trees` declared.

    Args:
      bytecode: what `compile_bytecode_trees` returned.
      packages: OfiucoPackageInfo of some of its packages.

    Returns:
      [struct(name, pyc)]: the package's name and its directory (`site-packages/` of pycs).
    """
    return [struct(name = p.name, pyc = bytecode.packages[_key(p)]) for p in packages if _key(p) in bytecode.packages]

def _key(package):
    return package.name + " " + package.version

def _python(ctx):
    """The BytecodePythonInfo to compile with, or None for `bytecode = "none"`."""
    if ctx.attr.bytecode == "none":
        return None
    python = ctx.attr._bytecode_python
    python = (python[0] if type(python) == "list" else python)[BytecodePythonInfo]
    if not python.python_version:
        fail("{}: `bytecode = \"{}\"` needs the target's Python version, and this target environment has none in ofiuco's table\nhint: set `python_version` or a platform of `@ofiuco//lib/platforms`, or `bytecode = \"none\"`".format(ctx.label, ctx.attr.bytecode))
    return python

def _compile(ctx, python, package, output_args, out, inputs, input_args, files):
    args = ctx.actions.args()

    # -B: importing interpreter.py must not write bytecode beside the sources.
    args.add("-B")
    args.add(ctx.file._bytecode_compiler)
    args.add("--python", python.python_version)
    args.add("--package", package)
    args.add("--layout", ctx.attr.bytecode)
    args.add_all(output_args)
    args.add_all(input_args)
    args.add_all(["{}={}".format(name, f.path) for name, f in files], before_each = "--file")
    ctx.actions.run(
        executable = python.interpreter,
        arguments = [args],
        inputs = depset(
            [ctx.file._bytecode_compiler, ctx.file._bytecode_interpreter_check] + inputs + [f for _, f in files],
            transitive = [python.files],
        ),
        outputs = [out],
        mnemonic = "OfiucoBytecode",
        progress_message = "Compiling {} to CPython {} bytecode for %{{label}}".format(package, python.python_version),
        execution_requirements = {"block-network": "1"},
    )

"""py_venv: several locked packages merged into one site-packages tree."""

load("@rules_python//python:py_info.bzl", "PyInfo")

# buildifier: disable=bzl-visibility (python/ and lib/ share ofiuco's own internals)
load("//lib/private:bytecode.bzl", "VENV_BYTECODE_ATTRS", "compile_bytecode_trees", "pyc_trees")

# buildifier: disable=bzl-visibility
load("//lib/private:collect.bzl", "OfiucoCollectInfo", "collect_aspect")
load(":helper_toolchain.bzl", "HELPER_TOOLCHAIN_TYPE", "PATH_MAPPING", "helper")
load(":providers.bzl", "runfiles_path")

def _merge(ctx, packages, pycs):
    tree = ctx.actions.declare_directory(ctx.label.name + ".venv")
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("venv")
    args.add_all([tree], before_each = "--output", expand_directories = False)
    args.add_all(packages, before_each = "--tree", map_each = _tree_arg, expand_directories = False)
    args.add_all(pycs, before_each = "--tree", map_each = _pyc_arg, expand_directories = False)
    ctx.actions.run(
        executable = helper(ctx),
        toolchain = HELPER_TOOLCHAIN_TYPE,
        arguments = [args],
        inputs = [p.tree for p in packages] + [t.pyc for t in pycs],
        outputs = [tree],
        mnemonic = "OfiucoVenv",
        execution_requirements = PATH_MAPPING,
        progress_message = "Merging {} packages into %{{label}}".format(len(packages)),
    )
    return tree

def _tree_arg(package):
    return "{}={}".format(package.name, package.tree.path)

def _pyc_arg(tree):
    return "{}={}".format(tree.name, tree.pyc.path)

def _py_venv_impl(ctx):
    infos = [d[OfiucoCollectInfo] for d in ctx.attr.deps]
    packages = sorted(depset(transitive = [i.packages for i in infos]).to_list(), key = lambda p: (p.name, p.version))
    bytecode = compile_bytecode_trees(ctx, packages, [], None)
    tree = _merge(ctx, packages, pyc_trees(bytecode, packages))
    return [
        DefaultInfo(files = depset([tree]), runfiles = ctx.runfiles(files = [tree])),
        PyInfo(
            transitive_sources = depset([tree]),
            imports = depset([runfiles_path(ctx, tree) + "/site-packages"]),
            uses_shared_libraries = True,
            has_py3_only_sources = True,
        ),
    ]

py_venv = rule(
    implementation = _py_venv_impl,
    doc = """Merges locked packages and their dependency closure into one site-packages tree.

Some packages find each other by relative paths inside one site-packages
(torch and the nvidia-* libraries, namespace packages spread over several
distributions); others are simply many, and one import path beats hundreds.
The tree is built in a single action. Two packages that install different
files at the same path fail the build, naming both.

`py_venv` provides `PyInfo` with that one import path, so it goes in `deps` of
`py_binary`, `py_test` and `py_library`. Put only locked packages (or
libraries of them) in its `deps`; keep application code in the rules that
depend on the `py_venv`, and do not also depend on the same packages directly.

With `bytecode = "pyc"` the tree also holds the packages' hash-based pycs
for the configuration's Python version (one compile action per package).""",
    attrs = dict(VENV_BYTECODE_ATTRS, **{
        "deps": attr.label_list(
            aspects = [collect_aspect],
            doc = "Locked packages (`@poetry//:numpy`), merged with all their dependencies.",
        ),
    }),
    provides = [PyInfo],
    toolchains = [HELPER_TOOLCHAIN_TYPE],
)

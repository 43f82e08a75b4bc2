"""py_zip: a deterministic AWS Lambda zip of a Python target, built for a target platform."""

# buildifier: disable=bzl-visibility (python/ and lib/ share ofiuco's own internals)
load("//python/private:helper_toolchain.bzl", "HELPER_TOOLCHAIN_TYPE", "PATH_MAPPING", "helper")

# buildifier: disable=bzl-visibility
load("//python/private:providers.bzl", "normalize_name")
load(":bytecode.bzl", "BYTECODE_ATTRS", "bytecode_excludes", "compile_bytecode")
load(":collect.bzl", "OfiucoCollectInfo", "archive_path", "collect_aspect", "select_packages")
load(":transitions.bzl", "TRANSITION_ATTRS", "target_transition")

OfiucoZipInfo = provider(
    doc = "What a `py_zip` holds, for `py_zip(layers = ...)` of a function that runs with it as a layer.",
    fields = {
        "layout": "str: `function` or `layer`.",
        "packages": "dict[str, str]: normalized name -> version of every package in the zip.",
        "report": "File: the zip's JSON report (sizes; its unzipped total counts towards the function's 250 MB).",
    },
)

_LAMBDA_MAX_ZIPPED = 50 * 1024 * 1024
_LAMBDA_MAX_UNZIPPED = 250 * 1024 * 1024

def _zip_args(ctx, out, report_json, report_txt, fragments, files):
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("zip")
    args.add("--output", out)
    args.add("--layout", ctx.attr.layout)
    args.add("--report", report_json)
    args.add("--report-text", report_txt)
    args.add("--limits", ctx.attr.lambda_limits)
    args.add("--max-zipped", str(_LAMBDA_MAX_ZIPPED))
    args.add("--max-unzipped", str(_LAMBDA_MAX_UNZIPPED))
    args.add_all([struct(label = layer.label, report = layer[OfiucoZipInfo].report) for layer in ctx.attr.layers], before_each = "--layer-report", map_each = _layer_arg)
    args.add_all(bytecode_excludes(ctx, ctx.attr.exclude), before_each = "--exclude")
    args.add_all(fragments, before_each = "--fragment")
    args.add_all(files, before_each = "--file", map_each = _file_arg)
    return args

# Paths are read inside map_each callbacks, where Bazel maps them (PATH_MAPPING).
def _layer_arg(layer):
    return "{}={}".format(layer.label, layer.report.path)

def _file_arg(file):
    return "{}={}".format(archive_path(file), file.path)

def _py_zip_impl(ctx):
    target = ctx.attr.target[0]
    info = target[OfiucoCollectInfo]
    exclude = {normalize_name(n): True for n in ctx.attr.exclude_packages}
    packages = _without_layers(ctx, select_packages(info, exclude, ctx.attr.exclude_package_dependencies))
    files = info.files.to_list()
    out = ctx.actions.declare_file(ctx.label.name + ".zip")
    report_json = ctx.actions.declare_file(ctx.label.name + ".report.json")
    report_txt = ctx.actions.declare_file(ctx.label.name + ".report.txt")
    fragments = [p.fragment for p in packages] + compile_bytecode(ctx, packages, files, archive_path)
    ctx.actions.run(
        executable = helper(ctx),
        toolchain = HELPER_TOOLCHAIN_TYPE,
        arguments = [_zip_args(ctx, out, report_json, report_txt, fragments, files)],
        inputs = fragments + files + [layer[OfiucoZipInfo].report for layer in ctx.attr.layers],
        outputs = [out, report_json, report_txt],
        mnemonic = "OfiucoZip",
        execution_requirements = PATH_MAPPING,
        progress_message = "Zipping %{label} (" + ctx.attr.layout + " layout)",
    )
    return [
        DefaultInfo(files = depset([out, report_txt])),
        OutputGroupInfo(report = depset([report_json, report_txt])),
        OfiucoZipInfo(layout = ctx.attr.layout, packages = {p.name: p.version for p in packages}, report = report_json),
    ]

def _without_layers(ctx, packages):
    """`packages` less those that a zip of `layers` holds (same version; another version fails)."""
    layered = {}
    for layer in ctx.attr.layers:
        info = layer[OfiucoZipInfo]
        if info.layout != "layer":
            fail("py_zip {}: `layers` entry {} is a function zip; give py_zips with `layout = \"layer\"`".format(ctx.label, layer.label))
        for name, version in info.packages.items():
            layered[name] = (version, layer.label)
    kept = []
    for p in packages:
        if p.name not in layered:
            kept.append(p)
            continue
        version, label = layered[p.name]
        if version != p.version:
            fail(("py_zip {}: {} {} is in layer {} at version {}: at run time the layer's would be shadowed or mixed with the function's\n" +
                  "hint: build the layer and the function from the same lock (or the same version), or leave {} out of the layer").format(ctx.label, p.name, p.version, label, version, p.name))
    return kept

py_zip = rule(
    implementation = _py_zip_impl,
    doc = """A deterministic zip of a Python target for AWS Lambda (or any zip-based deployment).

The `target` (usually a `py_library` with the handler) is built for `platform`
and `python_version`: every locked package is installed from the wheel for that
target (e.g. linux arm64, glibc 2.26, CPython 3.11), whatever the host is.
The archive holds the application's sources and data (at their paths in the
repository) and the packages' site-packages contents: no interpreter, no
Bazel runfiles, nothing that runs on unzip. Entries are sorted, timestamps
fixed and modes normalized, so the same inputs give the same bytes.

Each package is packed once into a fragment (a cacheable action per package
and target) straight from its wheel: the wheel's compressed entries are
verified against its RECORD and copied, not recompressed, and no install
action runs. The zip copies the fragments' entries in turn, so changing one
source file rewrites only that file's entry. Every ELF file of a package is
checked against the target (machine type, glibc symbol versions) when the
fragment is made. With `bytecode`, one more action per fragment compiles its
`.py` files for the target's Python version (hash-based pycs, see below).

Outputs: `<name>.zip` and `<name>.report.txt` (per-package zipped/unzipped
sizes); output group `report` adds `<name>.report.json`.""",
    attrs = dict(TRANSITION_ATTRS, **dict(BYTECODE_ATTRS, **{
        "exclude": attr.string_list(
            doc = "Glob patterns of paths inside the archive to leave out: `**` matches any number of directories, `*` and `?` stay within one path component. Matched against the full path in the archive (with `python/` in layer layout), e.g. `**/__pycache__/**`, `**.dist-info/**`, `numpy/tests/**`.",
        ),
        "exclude_package_dependencies": attr.bool(
            doc = "Also leave out the packages that only `exclude_packages` need (e.g. botocore, s3transfer, jmespath with boto3). Packages the application reaches some other way stay.",
        ),
        "exclude_packages": attr.string_list(
            doc = "Distribution names to leave out (any spelling; e.g. `boto3`, which the Lambda runtime provides).",
        ),
        "lambda_limits": attr.string(
            default = "error",
            values = ["error", "warn"],
            doc = "What exceeding AWS Lambda's limits does (50 MB zipped for direct upload, 250 MB unzipped): fail the build or print a warning. Either way the largest packages are listed.",
        ),
        "layers": attr.label_list(
            providers = [OfiucoZipInfo],
            doc = "Lambda layers the function runs with: `py_zip`s with `layout = \"layer\"`. The packages they hold (same name and version) are left out of this zip; one at another version is an error. Their unzipped size counts towards the 250 MB limit, and the report lists them.",
        ),
        "layout": attr.string(
            default = "function",
            values = ["function", "layer"],
            doc = "`function`: packages and sources at the root of the zip (handler `module.function`). `layer`: everything under `python/`, for a Lambda layer.",
        ),
        "target": attr.label(
            mandatory = True,
            cfg = target_transition,
            aspects = [collect_aspect],
            doc = "The Python target to ship (`py_library` or `py_binary`) with its `deps` closure.",
        ),
    })),
    toolchains = [HELPER_TOOLCHAIN_TYPE],
)

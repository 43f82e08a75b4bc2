"""`py_image_layer`: deterministic OCI layers of a Python target, for a target platform."""

# buildifier: disable=bzl-visibility (python/ and lib/ share ofiuco's own internals)
load("//python/private:helper_toolchain.bzl", "HELPER_TOOLCHAIN_TYPE", "helper")

# buildifier: disable=bzl-visibility
load("//python/private:providers.bzl", "normalize_name")

# buildifier: disable=bzl-visibility
load("//python/private:target_env.bzl", "TargetEnvInfo")
load(":bytecode.bzl", "BYTECODE_ATTRS", "bytecode_excludes", "compile_bytecode_trees", "pyc_trees")
load(":collect.bzl", "OfiucoCollectInfo", "archive_path", "collect_aspect", "select_packages")
load(":image_info.bzl", "OfiucoImageLayerInfo", "oci_platform")
load(":transitions.bzl", "TRANSITION_ATTRS", "target_transition")

DEFAULT_SITE_PACKAGES = "/opt/python"
DEFAULT_APP_ROOT = "/var/task"

def _groups(ctx, packages):
    """[(layer name, [OfiucoPackageInfo])]: the `groups`, then the other packages."""
    by_name = {}
    for p in packages:
        by_name.setdefault(p.name, []).append(p)
    taken = {}
    out = []
    for group, names in ctx.attr.groups.items():
        if group in ("packages", "app") or not group.replace("_", "").replace("-", "").replace(".", "").isalnum():
            fail("py_image_layer {}: group name {} must be letters, digits, `_`, `-` or `.`, and not `packages` or `app` (those name the other layers)".format(ctx.label, repr(group)))
        members = []
        for name in names:
            key = normalize_name(name)
            if key not in by_name:
                fail("py_image_layer {}: group {} lists {}, which {} does not ship (after `exclude_packages`)\nhint: drop it from the group, or add it to the target's deps".format(ctx.label, repr(group), repr(name), ctx.attr.target.label))
            if key in taken:
                fail("py_image_layer {}: {} is in group {} and in group {}; a package goes into one layer".format(ctx.label, repr(name), repr(taken[key]), repr(group)))
            taken[key] = group
            members.extend(by_name[key])
        out.append((group, members))
    rest = [p for p in packages if p.name not in taken]
    if rest:
        out.append(("packages", rest))
    return out

def _layer_action(ctx, layer_name, env, packages, files, bytecode):
    tar = ctx.actions.declare_file("{}/{}.tar.gz".format(ctx.label.name, layer_name))
    descriptor = ctx.actions.declare_file("{}/{}.json".format(ctx.label.name, layer_name))
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("layer")
    args.add("--output", tar)
    args.add("--descriptor", descriptor)
    args.add("--site-packages", ctx.attr.site_packages)
    args.add("--app-root", ctx.attr.app_root)
    args.add_all(bytecode_excludes(ctx, ctx.attr.exclude), before_each = "--exclude")
    if packages:
        if env.os == "linux" and env.cpu != "unknown":
            args.add("--check-cpu", env.cpu)
        if env.glibc:
            args.add("--check-glibc", env.glibc)
    pycs = pyc_trees(bytecode, packages)
    args.add_all(["{}={}".format(p.name, p.tree.path) for p in packages], before_each = "--tree")
    args.add_all(["{}={}".format(t.name, t.pyc.path) for t in pycs], before_each = "--tree")
    app_root = ctx.attr.app_root.strip("/")
    args.add_all(["{}/{}={}".format(app_root, archive_path(f), f.path).lstrip("/") for f in files], before_each = "--file")
    app_pyc = [bytecode.application] if files and bytecode.application else []
    args.add_all(app_pyc, before_each = "--app-tree", expand_directories = False)
    ctx.actions.run(
        executable = helper(ctx),
        toolchain = HELPER_TOOLCHAIN_TYPE,
        arguments = [args],
        inputs = [p.tree for p in packages] + [t.pyc for t in pycs] + files + app_pyc,
        outputs = [tar, descriptor],
        mnemonic = "OfiucoLayer",
        progress_message = "Writing OCI layer {} of %{{label}} for {}".format(layer_name, env.description),
    )
    return struct(name = layer_name, tar = tar, descriptor = descriptor)

def _py_image_layer_impl(ctx):
    env = ctx.attr._target_env[TargetEnvInfo]
    for attr in ("site_packages", "app_root"):
        if not getattr(ctx.attr, attr).startswith("/"):
            fail("py_image_layer {}: {} must be an absolute path in the image, got {}".format(ctx.label, attr, repr(getattr(ctx.attr, attr))))
    info = ctx.attr.target[OfiucoCollectInfo]
    exclude = {normalize_name(n): True for n in ctx.attr.exclude_packages}
    packages = select_packages(info, exclude, ctx.attr.exclude_package_dependencies)
    files = info.files.to_list()
    bytecode = compile_bytecode_trees(ctx, packages, files, archive_path)
    layers = [_layer_action(ctx, group, env, members, [], bytecode) for group, members in _groups(ctx, packages)]
    layers.append(_layer_action(ctx, "app", env, [], files, bytecode))
    return [
        DefaultInfo(files = depset([layer.tar for layer in layers])),
        OutputGroupInfo(descriptors = depset([layer.descriptor for layer in layers])),
        OfiucoImageLayerInfo(
            layers = layers,
            site_packages = ctx.attr.site_packages,
            app_root = ctx.attr.app_root,
            platform = oci_platform(env) or "",
        ),
    ]

py_image_layer = rule(
    implementation = _py_image_layer_impl,
    cfg = target_transition,
    doc = """Deterministic OCI image layers (`.tar.gz`) of a Python target, built for a target platform.

The `target` (a `py_binary` or `py_library`) and its locked packages are built
for `platform` and `python_version` (default: the current configuration, so
`py_oci_image_index` can build one `py_image_layer` per platform). Outputs,
bottom to top: one layer per entry of `groups`, one `packages` layer with the
other locked packages (left out when there are none), and the `app` layer with
the application's files (`srcs` and `data`, at their repository paths below
`app_root`). Each layer is its own action: editing a `.py` file rebuilds only
`app.tar.gz`, and a package layer is shared by every image (and stored once in
a remote cache) as long as its packages do not change.

Entries are sorted, with mtime 0, uid/gid 0 and modes 0755/0644; gzip carries
no time or name. Every ELF file of a package is checked against the target CPU
and glibc. With `bytecode`, each layer also holds the hash-based pycs of its
packages (or application), compiled for the target's Python version. The output group `descriptors` has each layer's digest, size and
`diff_id` as JSON.

The defaults put packages in `/opt/python` and the application in
`/var/task`: both are on `sys.path` of the AWS Lambda Python base images
(`public.ecr.aws/lambda/python`), so the layers work there as they are. On a
Debian-based image (`python:3.X-slim`, or Debian's `python3`) set
`PYTHONPATH=/var/task:/opt/python` in the image's environment: `py_oci_image`
does so by default. With rules_oci:

```starlark
py_image_layer(name = "layers", target = ":worker", platform = ":linux_arm64",
               groups = {"numpy": ["numpy"]})
oci_image(name = "image", base = "@python_slim", tars = [":layers"],
          env = {"PYTHONPATH": "/var/task:/opt/python"},
          entrypoint = ["python3", "/var/task/worker.py"])
```""",
    attrs = dict(TRANSITION_ATTRS, **dict(BYTECODE_ATTRS, **{
        "app_root": attr.string(
            default = DEFAULT_APP_ROOT,
            doc = "The absolute directory of the image that receives the application files, at their paths in the repository (`/var/task/pkg/main.py` for `//pkg:main.py`). The default is AWS Lambda's `LAMBDA_TASK_ROOT`.",
        ),
        "exclude": attr.string_list(
            doc = "Glob patterns of files to leave out, matched against the path in the image (without the leading `/`) and against the path below `site_packages` or `app_root`: e.g. `**/__pycache__/**`, `numpy/**/tests/**`.",
        ),
        "exclude_package_dependencies": attr.bool(
            doc = "Also leave out the packages that only `exclude_packages` need.",
        ),
        "exclude_packages": attr.string_list(
            doc = "Distribution names to leave out (any spelling), e.g. packages the base image provides.",
        ),
        "groups": attr.string_list_dict(
            doc = "Layers of their own: layer name → distribution names, e.g. `{\"numpy\": [\"numpy\"], \"aws\": [\"boto3\", \"botocore\"]}`. Give big packages their own layer so images share it and a remote cache stores it once. Layers come in this order, then `packages` (the rest), then `app`.",
        ),
        "site_packages": attr.string(
            default = DEFAULT_SITE_PACKAGES,
            doc = "The absolute directory of the image that receives the packages' site-packages contents. The default is on `sys.path` of the AWS Lambda Python images (the layer directory `/opt/python`).",
        ),
        "target": attr.label(
            mandatory = True,
            aspects = [collect_aspect],
            doc = "The Python target to ship (`py_binary` or `py_library`) with its `deps` closure.",
        ),
        "_target_env": attr.label(default = "//python/envs:target", providers = [TargetEnvInfo]),
    })),
    provides = [OfiucoImageLayerInfo],
    toolchains = [HELPER_TOOLCHAIN_TYPE],
)

"""`py_oci_image` and `py_oci_image_index`: OCI image layouts of Python targets."""

# buildifier: disable=bzl-visibility (python/ and lib/ share ofiuco's own internals)
load("//python/private:helper_toolchain.bzl", "HELPER_TOOLCHAIN_TYPE", "helper")

# buildifier: disable=bzl-visibility
load("//python/private:target_env.bzl", "TargetEnvInfo")
load(":image_info.bzl", "OfiucoImageInfo", "OfiucoImageLayerInfo", "oci_platform")
load(":transitions.bzl", "TRANSITION_ATTRS", "platforms_split_transition", "target_transition")

def _image_args(ctx, platform, layers, layout, descriptor):
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add("image")
    args.add("--output", layout.path)
    args.add("--descriptor", descriptor)
    args.add("--base", ctx.file.base.path)
    args.add("--platform", platform)
    args.add("--tag", ctx.attr.tag)
    args.add_all(["{}={}".format(layer.tar.path, layer.descriptor.path) for layer in layers], before_each = "--layer")
    if ctx.attr.entrypoint:
        args.add("--entrypoint", json.encode(ctx.attr.entrypoint))
    if ctx.attr.cmd:
        args.add("--cmd", json.encode(ctx.attr.cmd))
    if ctx.attr.workdir:
        args.add("--workdir", ctx.attr.workdir)
    args.add_all(["{}={}".format(k, v) for k, v in _env(ctx).items()], before_each = "--env")
    args.add_all(["{}={}".format(k, v) for k, v in ctx.attr.labels.items()], before_each = "--label")
    return args

def _env(ctx):
    env = dict(ctx.attr.env)
    if "PYTHONPATH" not in env:
        paths = []
        for layer in ctx.attr.layers:
            info = layer[OfiucoImageLayerInfo]
            for path in (info.app_root, info.site_packages):
                if path not in paths:
                    paths.append(path)
        if paths:
            env["PYTHONPATH"] = ":".join(paths)
    return env

def _py_oci_image_impl(ctx):
    env = ctx.attr._target_env[TargetEnvInfo]
    platform = oci_platform(env)
    if not platform:
        fail("py_oci_image {}: the target platform ({}) has no OCI image platform here; use a linux x86_64 or aarch64 (arm64) platform".format(ctx.label, env.description))
    layers = []
    for target in ctx.attr.layers:
        info = target[OfiucoImageLayerInfo]
        if info.platform != platform:
            fail("py_oci_image {}: layers {} are for {}, but the image is for {}\nhint: leave `platform` unset on the py_image_layer so that it follows the image".format(ctx.label, target.label, info.platform or "no OCI platform", platform))
        layers.extend(info.layers)
    layout = ctx.actions.declare_directory(ctx.label.name)
    descriptor = ctx.actions.declare_file(ctx.label.name + ".descriptor.json")
    ctx.actions.run(
        executable = helper(ctx),
        toolchain = HELPER_TOOLCHAIN_TYPE,
        arguments = [_image_args(ctx, platform, layers, layout, descriptor)],
        inputs = [ctx.file.base] + [layer.tar for layer in layers] + [layer.descriptor for layer in layers],
        outputs = [layout, descriptor],
        mnemonic = "OfiucoImage",
        progress_message = "Writing OCI image layout %{label} for " + platform,
    )
    return [
        DefaultInfo(files = depset([layout])),
        OutputGroupInfo(descriptor = depset([descriptor])),
        OfiucoImageInfo(layout = layout, descriptor = descriptor, platforms = [platform], tag = ctx.attr.tag),
    ]

_TAG_DOC = "The image's name in the layout's `index.json` (`org.opencontainers.image.ref.name`): `skopeo inspect oci:DIR:TAG`, `umoci unpack --image DIR:TAG`."

py_oci_image = rule(
    implementation = _py_oci_image_impl,
    cfg = target_transition,
    doc = """An OCI image layout for one platform: a `base` image plus `py_image_layer` layers.

Built for `platform` and `python_version` (default: the current configuration,
which is how `py_oci_image_index` builds it once per platform). The output is a
directory `<name>` holding an OCI image layout (`oci-layout`, `index.json`,
`blobs/sha256/`): the base's layers (copied, digests checked), the layers of
`layers` in order, a config with the platform's `os`, `architecture` and
`variant`, `entrypoint`, `cmd`, `env`, `workdir` and `labels`, and a manifest,
named `tag` in `index.json` with its platform. JSON is written with sorted
keys and every timestamp is the epoch: the same inputs give the same digests.
Editing an application file rebuilds its `app` layer, the config and the
manifest; nothing else. The output group `descriptor` has the manifest's
digest as JSON.

`skopeo copy oci:DIR:TAG docker://REGISTRY/REPO:TAG` pushes it with the
same digest; `umoci unpack --image DIR:TAG BUNDLE` unpacks it for runc.""",
    attrs = dict(TRANSITION_ATTRS, **{
        "base": attr.label(
            mandatory = True,
            allow_single_file = True,
            doc = "The base image as an OCI image layout: a directory (e.g. from `skopeo copy docker://python:3.12-slim oci:DIR`) or an uncompressed tar of one (`oci-archive:FILE.tar`; see `oci_layout_repo`). With several images in it (a multi-platform index), the one for the target platform is used; none fits → an error naming what it has.",
        ),
        "cmd": attr.string_list(doc = "The image's `Cmd` (default: the base's, unless `entrypoint` is set)."),
        "entrypoint": attr.string_list(doc = "The image's `Entrypoint`, e.g. `[\"/usr/bin/python3\", \"/var/task/worker.py\"]`. Setting it drops the base's `Cmd` unless `cmd` is set too."),
        "env": attr.string_dict(doc = "Environment variables, replacing the base's of the same name. `PYTHONPATH` defaults to the layers' `app_root` and `site_packages` (`/var/task:/opt/python`)."),
        "labels": attr.string_dict(doc = "Labels added to the base's."),
        "layers": attr.label_list(
            providers = [OfiucoImageLayerInfo],
            doc = "`py_image_layer` targets; their layers go on top of the base in this order.",
        ),
        "tag": attr.string(default = "latest", doc = _TAG_DOC),
        "workdir": attr.string(doc = "The image's `WorkingDir`."),
        "_target_env": attr.label(default = "//python/envs:target", providers = [TargetEnvInfo]),
    }),
    provides = [OfiucoImageInfo],
    toolchains = [HELPER_TOOLCHAIN_TYPE],
)

def _py_oci_image_index_impl(ctx):
    images = [image[OfiucoImageInfo] for image in ctx.attr.image]
    layout = ctx.actions.declare_directory(ctx.label.name)
    descriptor = ctx.actions.declare_file(ctx.label.name + ".descriptor.json")
    args = ctx.actions.args()
    args.add("image-index")
    args.add("--output", layout.path)
    args.add("--descriptor", descriptor)
    args.add("--tag", ctx.attr.tag)
    args.add_all([i.layout.path for i in images], before_each = "--image")
    ctx.actions.run(
        executable = helper(ctx),
        toolchain = HELPER_TOOLCHAIN_TYPE,
        arguments = [args],
        inputs = [i.layout for i in images],
        outputs = [layout, descriptor],
        mnemonic = "OfiucoImageIndex",
        progress_message = "Writing the multi-platform OCI index %{label}",
    )
    platforms = [p for i in images for p in i.platforms]
    return [
        DefaultInfo(files = depset([layout])),
        OutputGroupInfo(descriptor = depset([descriptor])),
        OfiucoImageInfo(layout = layout, descriptor = descriptor, platforms = platforms, tag = ctx.attr.tag),
    ]

py_oci_image_index = rule(
    implementation = _py_oci_image_index_impl,
    doc = """A multi-platform OCI image: `image` built once per entry of `platforms`, in one `bazel build`.

Each platform's `py_oci_image` (with its `py_image_layer`s and locked packages)
is built in its own configuration, so the arm64 image gets arm64 wheels and the
amd64 image amd64 wheels. The output `<name>` is an OCI image layout whose
`index.json` names (as `tag`) an image index listing each platform's manifest
with its `os`, `architecture` and `variant`; every blob is in `blobs/sha256/`.
`skopeo copy --all --preserve-digests oci:DIR:TAG docker://…` pushes it as it
is; `skopeo inspect --override-arch arm64 oci:DIR:TAG` reads one platform.""",
    attrs = {
        "image": attr.label(
            mandatory = True,
            cfg = platforms_split_transition,
            providers = [OfiucoImageInfo],
            doc = "A `py_oci_image` whose `platform` is unset (it follows each of `platforms`).",
        ),
        "platforms": attr.label_list(
            mandatory = True,
            allow_empty = False,
            doc = "The target platforms, e.g. a linux x86_64 and a linux aarch64 `platform`. Their Python version applies as for `py_oci_image`, unless `python_version` is set.",
        ),
        "python_version": attr.string(
            doc = "The target Python version of every platform (`3.11`); default: each platform's, else the flags'.",
        ),
        "tag": attr.string(default = "latest", doc = _TAG_DOC),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
    provides = [OfiucoImageInfo],
    toolchains = [HELPER_TOOLCHAIN_TYPE],
)

"""`bazel run` targets: `py_oci_push`, `py_lambda_deploy` and `run_for_platform`."""

load(":image_info.bzl", "OfiucoImageInfo")
load(":run_script.bzl", "runfile_path", "write_launcher")
load(":transitions.bzl", "TRANSITION_ATTRS", "target_transition")

# The helper runs on the machine that runs `bazel run`: the host.
_HELPER = attr.label(default = "@ofiuco_helper//:ofiuco", executable = True, cfg = "exec", allow_single_file = True)

def _py_oci_push_impl(ctx):
    image = ctx.attr.image[0][OfiucoImageInfo]
    helper = ctx.executable._helper
    argv = [
        runfile_path(ctx, helper),
        "push",
        "--layout",
        runfile_path(ctx, image.layout),
        "--descriptor",
        runfile_path(ctx, image.descriptor),
        "--layout-tag",
        image.tag,
    ]
    if ctx.attr.repository:
        argv.extend(["--default-repository", ctx.attr.repository])
    for tag in ctx.attr.remote_tags:
        argv.extend(["--default-tag", tag])
    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")
    write_launcher(ctx, launcher, argv)
    runfiles = ctx.runfiles(files = [helper, image.layout, image.descriptor])
    return [DefaultInfo(executable = launcher, runfiles = runfiles)]

py_oci_push = rule(
    implementation = _py_oci_push_impl,
    executable = True,
    doc = """`bazel run` pushes an image layout (`py_oci_image` or `py_oci_image_index`) to a registry, keeping its digest.

`image` is built for `platform` and `python_version` (a transition), so
`bazel run //:push` on an x86_64 laptop or CI runner pushes the image built
for linux arm64 when `platform` says so. A `py_oci_image_index` is pushed
with all its platforms.

The run script calls `skopeo copy --all --preserve-digests` once per tag and
checks that the digest the registry stored is the built one. skopeo is taken
from `$OFIUCO_SKOPEO`, else `PATH`: it reads the credentials you already have
(`~/.docker/config.json`, `$XDG_RUNTIME_DIR/containers/auth.json`, credential
helpers such as `docker-credential-ecr-login`; `skopeo login` or
`docker login` write them). No credentials are ever printed.

Flags after `--`: `--repository REGISTRY/REPO` and `--tag TAG` (repeatable)
replace the attributes; `--insecure` talks plain HTTP or skips TLS checks (a
local test registry); `--dry-run` prints the skopeo commands.""",
    attrs = dict(TRANSITION_ATTRS, **{
        "image": attr.label(
            mandatory = True,
            cfg = target_transition,
            providers = [OfiucoImageInfo],
            doc = "A `py_oci_image` or `py_oci_image_index`.",
        ),
        "remote_tags": attr.string_list(
            doc = "The tags to push (default: `latest`). `--tag` on the command line replaces them.",
        ),
        "repository": attr.string(
            doc = "`REGISTRY/REPOSITORY` without tag, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker`. `--repository` on the command line replaces it; one of them is needed.",
        ),
        "_helper": _HELPER,
    }),
)

def _py_lambda_deploy_impl(ctx):
    zips = [f for f in ctx.files.zip if f.extension == "zip"]
    if len(zips) != 1:
        fail("py_lambda_deploy {}: `zip` must give one .zip file (a py_zip), {} gives {}".format(ctx.label, ctx.attr.zip[0].label, len(zips)))
    zip = zips[0]
    helper = ctx.executable._helper
    kind = "layer" if ctx.attr.layer_name else "function"
    if ctx.attr.layer_name and ctx.attr.function_name:
        fail("py_lambda_deploy {}: give `function_name` (a function's code) or `layer_name` (a layer version), not both".format(ctx.label))
    argv = [runfile_path(ctx, helper), "lambda-deploy", "--zip", runfile_path(ctx, zip), "--kind", kind]
    name = ctx.attr.layer_name or ctx.attr.function_name
    if name:
        argv.extend(["--default-name", name])
    if ctx.attr.publish:
        argv.append("--publish")
    if ctx.attr.s3_bucket:
        argv.extend(["--s3-bucket", ctx.attr.s3_bucket])
    for runtime in ctx.attr.compatible_runtimes:
        argv.extend(["--compatible-runtime", runtime])
    for arch in ctx.attr.compatible_architectures:
        argv.extend(["--compatible-architecture", arch])
    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")
    write_launcher(ctx, launcher, argv)
    return [DefaultInfo(executable = launcher, runfiles = ctx.runfiles(files = [helper, zip]))]

py_lambda_deploy = rule(
    implementation = _py_lambda_deploy_impl,
    executable = True,
    doc = """`bazel run` deploys a `py_zip` to AWS Lambda: a function's code, or a new layer version.

With `function_name`: `aws lambda update-function-code` (`--publish` with
`publish`). With `layer_name`: `aws lambda publish-layer-version` (give the
zip a `py_zip(layout = "layer")`). A zip over the 50 MiB direct-upload limit
(or any zip with `--via-s3`) is first copied to `s3_bucket` (`aws s3 cp`, key
`NAME/SHA256.zip`, `--s3-key` to choose) and deployed from there; without a
bucket it is an error before anything is sent. The run script checks that
the `CodeSha256` AWS reports is base64(sha256(zip)).

It runs the AWS CLI (v1 or v2) from `$OFIUCO_AWS`, else `PATH`, so region,
profile, endpoint and credentials come from the usual places (`AWS_REGION`,
`AWS_PROFILE`, `AWS_ENDPOINT_URL`, SSO, credential processes; AWS CLI v1
reads only `AWS_DEFAULT_REGION`, which ofiuco sets from `AWS_REGION` when
only that is set); no credential is printed. An unknown function, refused or missing credentials, an unreachable
endpoint or a missing bucket give one message saying what to do.

Flags after `--`: `--name NAME` (replaces `function_name` / `layer_name`),
`--publish`, `--s3-bucket BUCKET`, `--s3-key KEY`, `--via-s3`, `--dry-run`
(print the AWS CLI commands).""",
    attrs = {
        "compatible_architectures": attr.string_list(doc = "A layer's `--compatible-architectures` (`x86_64`, `arm64`)."),
        "compatible_runtimes": attr.string_list(doc = "A layer's `--compatible-runtimes` (`python3.12`)."),
        "function_name": attr.string(doc = "The function (name, or ARN) whose code is replaced."),
        "layer_name": attr.string(doc = "The layer that gets a new version (instead of `function_name`)."),
        "publish": attr.bool(doc = "Publish a new version of the function (`update-function-code --publish`)."),
        "s3_bucket": attr.string(doc = "An S3 bucket in the function's region for zips over 50 MiB (or with `--via-s3`)."),
        "zip": attr.label(
            mandatory = True,
            allow_files = [".zip", ".txt"],
            doc = "A `py_zip` (its `.zip`). Build it for the function's platform (`platform` on the `py_zip`).",
        ),
        "_helper": _HELPER,
    },
)

def _run_for_platform_impl(ctx):
    command = ctx.attr.command[0]
    info = command[DefaultInfo]
    executable = info.files_to_run.executable
    if not executable:
        fail("run_for_platform {}: `command` {} is not executable".format(ctx.label, command.label))
    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = launcher,
        is_executable = True,
        content = """#!/usr/bin/env bash
# {label}: generated by ofiuco; runs {command} built for another platform.
set -euo pipefail
runfiles="$0.runfiles"
[[ -d "$runfiles" ]] || runfiles="${{RUNFILES_DIR:-}}"
if [[ -z "$runfiles" || ! -d "$runfiles" ]]; then
  echo "error: cannot find the runfiles of {label}; run it with \\`bazel run {label}\\`" >&2
  exit 1
fi
export RUNFILES_DIR="$runfiles"
unset RUNFILES_MANIFEST_FILE
exec "$runfiles/{path}" {args}"$@"
""".format(
            label = str(ctx.label),
            command = str(command.label),
            path = runfile_path(ctx, executable),
            args = "".join(["'" + a.replace("'", "'\\''") + "' " for a in ctx.attr.run_args]),
        ),
    )
    runfiles = ctx.runfiles(files = [executable]).merge(info.default_runfiles)
    return [DefaultInfo(executable = launcher, runfiles = runfiles)]

run_for_platform = rule(
    implementation = _run_for_platform_impl,
    executable = True,
    doc = """Runs an executable target built for `platform` (and `python_version`): ofiuco's `command_with_transition`.

`bazel run` of this target builds `command` (and everything it takes: images,
zips) in the configuration of `platform`, then runs it with the arguments
`run_args` and those after `--`. It is for run targets of other rule sets
(rules_oci's `oci_push`, a `sh_binary` that deploys) that do not transition
themselves; the command and its runfiles are built for `platform`, so its
own run-time tools must run on the host (scripts, or tools it takes in the
exec configuration). ofiuco's `py_oci_push` has the transition built in.""",
    attrs = dict(TRANSITION_ATTRS, **{
        "command": attr.label(
            mandatory = True,
            executable = True,
            cfg = target_transition,
            doc = "The executable target to build for `platform` and run.",
        ),
        "run_args": attr.string_list(doc = "Arguments given to `command` before those of the command line."),
    }),
)

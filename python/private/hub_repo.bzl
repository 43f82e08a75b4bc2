"""The hub repository: one target per locked package, written by `ofiuco lock`."""

load(":hints.bzl", "hints_build_text")

_HINTS_LOAD = 'load("@ofiuco//python:package.bzl", "did_you_mean")\n'

def run_lock(ctx, helper, lock, output, hub_name, build_policy = None, build_default = "auto"):
    """Runs `ofiuco lock`; fails with its message when the lock is refused.

    Args:
      ctx: a repository_ctx or module_ctx.
      helper: path of the `ofiuco` binary.
      lock: path of the lock file.
      output: directory to write the hub into.
      hub_name: the hub's apparent repository name.
      build_policy: path of a `--build-policy` JSON file, or None.
      build_default: `--build-default`: the build mode of packages the policy does not name.
    """
    cmd = [helper, "lock", lock, "--output", output, "--hub-name", hub_name, "--build-default", build_default]
    if build_policy:
        cmd += ["--build-policy", build_policy]
    res = ctx.execute(cmd)
    if res.return_code != 0:
        fail("ofiuco: cannot read {}:\n{}".format(lock, res.stderr))

def _hub_repo_impl(rctx):
    content = rctx.attr.build_file_content
    if rctx.attr.hints:
        content = _HINTS_LOAD + content + hints_build_text(rctx.attr.apparent_name, rctx.attr.hints)
    rctx.file("BUILD.bazel", content)

hub_repo = repository_rule(
    implementation = _hub_repo_impl,
    doc = "The generated hub repository of one lock file (`@poetry//:numpy`). Its BUILD file is rendered by the module extension's one run of `ofiuco lock`.",
    attrs = {
        "apparent_name": attr.string(doc = "The hub's name as users write it (`poetry` of `@poetry`), for the `did_you_mean` messages."),
        "build_file_content": attr.string(mandatory = True, doc = "The hub's BUILD.bazel, as `ofiuco lock` wrote it."),
        "hints": attr.string_list_dict(doc = "Names the hub does not have but users are likely to write -> the packages they may mean; each becomes a failing `did_you_mean` target (see hints.bzl)."),
    },
)

"""`oci_layout_repo`: an OCI image layout on disk (a tar or a directory) as a repository."""

def _apparent_name(rctx):
    # The name the user gave: Bazel 8 has it; Bazel 7's canonical name ends in it (`_main~_repo_rules~NAME`).
    if hasattr(rctx, "original_name"):
        return rctx.original_name
    return rctx.name.replace("+", "~").split("~")[-1]

def _oci_layout_repo_impl(rctx):
    path = rctx.attr.path
    if path.startswith("~/"):
        path = rctx.os.environ.get("HOME", "~") + path[1:]
    elif not path.startswith("/"):
        path = str(rctx.workspace_root) + "/" + path
    source = rctx.path(path)
    if not source.exists:
        fail(("oci_layout_repo @{}: the base image layout `{}` does not exist.\n" +
              "hint: {}").format(_apparent_name(rctx), path, rctx.attr.missing_hint))
    name = "layout.tar" if not source.is_dir else "layout"
    rctx.symlink(source, name)
    rctx.file("BUILD.bazel", """exports_files([{name}], visibility = ["//visibility:public"])

alias(
    name = "{alias}",
    actual = {name},
    visibility = ["//visibility:public"],
)
""".format(name = repr(name), alias = rctx.attr.target_name))
    rctx.file("REPO.bazel", "")

oci_layout_repo = repository_rule(
    implementation = _oci_layout_repo_impl,
    doc = """An OCI image layout that is already on disk, e.g. written by `skopeo copy docker://python:3.12-slim oci-archive:base.tar` (or by `tools/dev/oci-base.sh`), for `py_oci_image(base = "@name//:layout")`.

```starlark
oci_layout_repo = use_repo_rule("@ofiuco//lib:oci_layout_repo.bzl", "oci_layout_repo")
oci_layout_repo(name = "python_base", path = "~/images/python-3.11-slim.tar")
```

Pulling from a registry belongs to rules_oci's `oci_pull` (its output works as `base` too).""",
    attrs = {
        "missing_hint": attr.string(
            default = "write it with `skopeo copy docker://IMAGE oci-archive:PATH`, or fix `path`",
            doc = "What the error for a missing layout tells the user to do.",
        ),
        "path": attr.string(
            mandatory = True,
            doc = "The layout: an uncompressed tar (`oci-archive:`) or a directory (`oci:`). Relative to the main workspace unless absolute; `~/` is the home directory.",
        ),
        "target_name": attr.string(
            default = "layout",
            doc = "The name of the target in the repository that stands for the layout.",
        ),
    },
    local = True,
)

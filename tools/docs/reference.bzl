"""The rule reference in docs/reference: extracted, rendered and diff-tested per public .bzl file."""

load("@bazel_skylib//rules:diff_test.bzl", "diff_test")

_UPDATE = "The rendered page is stale: run tools/dev/update_snapshots.sh and review the diff (docs/reference, tools/docs/testdata)."

def reference_page(name, src, deps, golden = None):
    """One page of the reference: `generated/<name>.md`, diff-tested against `reference/<name>.md`.

    Declares `<name>.extract` (starlark_doc_extract), `<name>.md` (the rendered
    page, which fails on undocumented items) and `<name>_test` (the diff test).
    The page is written to `generated/<name>.md`.

    Args:
      name: the page's name, e.g. `py_zip`.
      src: the public .bzl file, e.g. `//lib:py_zip.bzl`.
      deps: the bzl_library targets of what `src` loads.
      golden: the checked-in page (default `reference/<name>.md`).
    """
    native.starlark_doc_extract(
        name = name + ".extract",
        src = src,
        deps = deps,
        render_main_repo_name = True,
    )
    native.genrule(
        name = name + ".md",
        srcs = [name + ".extract.binaryproto"],
        outs = ["generated/{}.md".format(name)],
        cmd = "$(execpath //tools/docs:render) $(execpath {}.extract.binaryproto) --output $@".format(name),
        tools = ["//tools/docs:render"],
    )
    diff_test(
        name = name + "_test",
        failure_message = _UPDATE,
        file1 = "generated/{}.md".format(name),
        file2 = golden or "reference/{}.md".format(name),
    )

def _all_documented_test_impl(ctx):
    public = sorted([f.short_path for f in ctx.files.public])
    documented = sorted([f.short_path for f in ctx.files.documented])
    missing = [p for p in public if p not in documented]
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    if missing:
        lines = ["echo 'error: public .bzl files without a page in docs/reference: {}' >&2".format(", ".join(missing))]
        lines.append("echo 'hint: add a reference_page for each to docs/BUILD.bazel, then run tools/dev/update_snapshots.sh' >&2")
        lines.append("exit 1")
    else:
        lines = ["echo 'all {} public .bzl files have a page'".format(len(public))]
    ctx.actions.write(script, "#!/bin/sh\n" + "\n".join(lines) + "\n", is_executable = True)
    return [DefaultInfo(executable = script)]

all_documented_test = rule(
    implementation = _all_documented_test_impl,
    doc = "Fails when a file of `public` is not among `documented`, naming it.",
    attrs = {
        "documented": attr.label_list(allow_files = [".bzl"], doc = "The .bzl files that have a reference page."),
        "public": attr.label_list(allow_files = [".bzl"], doc = "Every public .bzl file (filegroups of `python/*.bzl` and `lib/*.bzl`)."),
    },
    test = True,
)

"""Every kind of item the renderer knows, documented: the renderer's golden test (kinds.md).

A second paragraph, with a | pipe.
"""

KindInfo = provider(
    doc = "A provider.",
    fields = {
        "files": "depset[File]: a field\n\nwith two paragraphs.",
        "name": "str: a field with a | pipe.",
    },
)

def _impl(_ctx):
    return []

kind_library = rule(
    implementation = _impl,
    doc = "A rule.",
    attrs = {
        "deps": attr.label_list(providers = [KindInfo], doc = "Labels that provide `KindInfo`."),
        "flag": attr.bool(default = True, doc = "A bool."),
        "mode": attr.string(mandatory = True, values = ["a", "b"], doc = "A mandatory string."),
        "table": attr.string_dict(doc = "A dict."),
    },
    provides = [KindInfo],
)

kind_test = rule(
    implementation = _impl,
    doc = "A test rule.",
    test = True,
)

kind_binary = rule(
    implementation = _impl,
    doc = "An executable rule.",
    executable = True,
)

def kind_macro(name, srcs = [], *args, visibility = None, **kwargs):
    """A function.

    Args:
      name: the name.
      srcs: the sources.
      *args: more positional arguments.
      visibility: keyword-only.
      **kwargs: passed on.

    Returns:
      Nothing useful.

    Deprecated:
      Use `kind_library`.
    """
    return (name, srcs, args, visibility, kwargs)

def _aspect_impl(_target, _ctx):
    return []

kind_aspect = aspect(
    implementation = _aspect_impl,
    attr_aspects = ["deps"],
    doc = "An aspect.",
    attrs = {"level": attr.string(default = "x", values = ["x"], doc = "An aspect attribute.")},
)

def _repo_impl(_rctx):
    pass

kind_repo = repository_rule(
    implementation = _repo_impl,
    doc = "A repository rule.",
    attrs = {"url": attr.string(doc = "A URL.")},
    environ = ["KIND_HOME"],
)

def _ext_impl(_mctx):
    pass

kind_ext = module_extension(
    implementation = _ext_impl,
    doc = "A module extension.",
    tag_classes = {"install": tag_class(doc = "A tag.", attrs = {"version": attr.string(doc = "A version.")})},
)

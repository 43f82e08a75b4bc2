"""The transition `py_zip` uses, for rules of your own that build a target for another platform.

```starlark
load("@ofiuco//lib:transitions.bzl", "TRANSITION_ATTRS", "target_transition")

my_bundle = rule(
    implementation = _my_bundle_impl,  # reads ctx.attr.target[0]
    attrs = dict(TRANSITION_ATTRS, **{
        "target": attr.label(cfg = target_transition, mandatory = True),
    }),
)
```

`target_transition` is an attribute transition (put it on `cfg` of the
attribute whose targets are to be built for the target). It reads two
attributes of the rule that uses it, which `TRANSITION_ATTRS` declares:
`platform` (a label; default: the current target platform) and
`python_version` (a string such as `3.12` or `3.13t`; default: the platform's,
then the flags'). They mean what they mean on `py_zip` (see its attribute
table, generated from the same schemas).

`TRANSITION_ATTRS` is a dict of attribute schemas: these two and the
function-transition allowlist. Merge it into the rule's `attrs` as above.
(Bazel's `starlark_doc_extract` documents neither transitions nor dicts, so
this docstring does.)
"""

load("//lib/private:transitions.bzl", _TRANSITION_ATTRS = "TRANSITION_ATTRS", _target_transition = "target_transition")

target_transition = _target_transition
TRANSITION_ATTRS = _TRANSITION_ATTRS

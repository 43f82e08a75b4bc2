"""Items without docstrings: rendering fails, naming each (render_test.py)."""

# buildifier: disable=provider-params (undocumented on purpose)
ThingInfo = provider(fields = ["bare"])

def _impl(_ctx):
    return []

thing = rule(
    implementation = _impl,
    attrs = {"src": attr.label()},
)

def thing_macro(name):
    return name

"""The Python version build setting that wheel choice and markers read."""

PythonVersionInfo = provider(
    doc = "The target Python version selected by `@ofiuco//python/config:python_version`.",
    fields = {"value": "str: `3.X`, or `auto` for the host interpreter's version detected when the hub was generated."},
)

def _python_version_flag_impl(ctx):
    value = ctx.build_setting_value
    if value != "auto":
        parts = value.split(".")
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
            fail("ofiuco: python_version must look like `3.12` or be `auto`, got `{}`".format(value))
    return [PythonVersionInfo(value = value)]

python_version_flag = rule(
    implementation = _python_version_flag_impl,
    build_setting = config.string(flag = True),
    doc = "A `3.X` Python version (or `auto`): the target interpreter for wheel choice and marker evaluation.",
)

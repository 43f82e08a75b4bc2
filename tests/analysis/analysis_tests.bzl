"""Analysis tests: wheel choice, marker-filtered deps and error messages per target."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("@rules_python//python:py_info.bzl", "PyInfo")
load("//lib:image.bzl", "OfiucoImageLayerInfo")

_PLATFORMS = "//command_line_option:platforms"
_PYTHON = str(Label("//python/config:python_version"))

def _platform(name):
    return str(Label("//tests/platforms:" + name))

def _imports_test_impl(ctx):
    env = analysistest.begin(ctx)
    imports = analysistest.target_under_test(env)[PyInfo].imports.to_list()
    for want in ctx.attr.want:
        asserts.true(env, [i for i in imports if want in i], "expected an import path containing `{}` in {}".format(want, imports))
    for unwanted in ctx.attr.unwanted:
        asserts.false(env, [i for i in imports if unwanted in i], "unexpected import path containing `{}` in {}".format(unwanted, imports))
    return analysistest.end(env)

_IMPORTS_ATTRS = {
    "unwanted": attr.string_list(doc = "Substrings no import path may contain."),
    "want": attr.string_list(doc = "Substrings some import path must contain."),
}

imports_linux_py310_test = analysistest.make(
    _imports_test_impl,
    attrs = _IMPORTS_ATTRS,
    config_settings = {_PLATFORMS: _platform("linux_x86_64"), _PYTHON: "3.10"},
)

imports_linux_py313_test = analysistest.make(
    _imports_test_impl,
    attrs = _IMPORTS_ATTRS,
    config_settings = {_PLATFORMS: _platform("linux_x86_64"), _PYTHON: "3.13"},
)

imports_windows_py312_test = analysistest.make(
    _imports_test_impl,
    attrs = _IMPORTS_ATTRS,
    config_settings = {_PLATFORMS: _platform("windows_x86_64"), _PYTHON: "3.12"},
)

def _fails_test_impl(ctx):
    env = analysistest.begin(ctx)
    for message in ctx.attr.messages:
        asserts.expect_failure(env, message)
    causes = analysistest.target_under_test(env)[AnalysisFailureInfo].causes.to_list()
    text = "\n".join([c.message for c in causes])
    for absent in ctx.attr.absent:
        asserts.false(env, absent in text, "the failure should not contain `{}`:\n{}".format(absent, text))
    return analysistest.end(env)

_FAILS_ATTRS = {
    "absent": attr.string_list(doc = "Substrings the analysis failure must not contain."),
    "messages": attr.string_list(doc = "Substrings the analysis failure must contain."),
}

fails_linux_py310_test = analysistest.make(
    _fails_test_impl,
    attrs = _FAILS_ATTRS,
    expect_failure = True,
    config_settings = {_PLATFORMS: _platform("linux_x86_64"), _PYTHON: "3.10"},
)

fails_al2_arm64_py311_test = analysistest.make(
    _fails_test_impl,
    attrs = _FAILS_ATTRS,
    expect_failure = True,
    config_settings = {_PLATFORMS: _platform("linux_arm64_glibc_2_26"), _PYTHON: "3.11"},
)

fails_riscv64_test = analysistest.make(
    _fails_test_impl,
    attrs = _FAILS_ATTRS,
    expect_failure = True,
    config_settings = {_PLATFORMS: _platform("linux_riscv64"), _PYTHON: "3.12"},
)

def _wheel_test_impl(ctx):
    env = analysistest.begin(ctx)
    installs = [a for a in analysistest.target_actions(env) if a.mnemonic == "OfiucoInstall"]
    wheels = [f.basename for a in installs for f in a.inputs.to_list() if f.extension == "whl"]
    asserts.equals(env, [ctx.attr.want], wheels)
    return analysistest.end(env)

_WHEEL_ATTRS = {"want": attr.string(doc = "The wheel the install action must read.")}
_PINNED = str(Label("//python/config:pinned_python_version"))

# Free-threaded CPython takes the cp313t wheel.
wheel_linux_py313t_test = analysistest.make(
    _wheel_test_impl,
    attrs = _WHEEL_ATTRS,
    config_settings = {_PLATFORMS: _platform("linux_x86_64"), _PYTHON: "3.13t"},
)

# The platform's Python version (the python3.12 Lambda preset) wins over the flag.
wheel_lambda_py312_over_flag_test = analysistest.make(
    _wheel_test_impl,
    attrs = _WHEEL_ATTRS,
    config_settings = {_PLATFORMS: str(Label("//lib/platforms:aws_lambda_python3_12_arm64")), _PYTHON: "3.14"},
)

# A rule's python_version (what py_zip's transition pins) wins over the platform's.
wheel_pinned_over_platform_test = analysistest.make(
    _wheel_test_impl,
    attrs = _WHEEL_ATTRS,
    config_settings = {_PLATFORMS: str(Label("//lib/platforms:aws_lambda_python3_12_arm64")), _PYTHON: "3.14", _PINNED: "3.13"},
)

def _zip_inputs_test_impl(ctx):
    env = analysistest.begin(ctx)
    zips = [a for a in analysistest.target_actions(env) if a.mnemonic == "OfiucoZip"]
    inputs = [f.path for a in zips for f in a.inputs.to_list()]
    for want in ctx.attr.want:
        asserts.true(env, [i for i in inputs if want in i], "expected an input of the zip containing `{}` in {}".format(want, inputs))
    for unwanted in ctx.attr.unwanted:
        asserts.false(env, [i for i in inputs if unwanted in i], "unexpected input of the zip containing `{}` in {}".format(unwanted, inputs))
    return analysistest.end(env)

zip_inputs_test = analysistest.make(_zip_inputs_test_impl, attrs = _IMPORTS_ATTRS)

def _image_layers_test_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[OfiucoImageLayerInfo]
    asserts.equals(env, ctx.attr.layers, [layer.name for layer in info.layers])
    asserts.equals(env, "linux/amd64", info.platform)
    actions = [a for a in analysistest.target_actions(env) if a.mnemonic == "OfiucoLayer"]
    for spec in ctx.attr.inputs:
        layer, _, want = spec.partition("=")
        action = [a for a in actions if [o for o in a.outputs.to_list() if o.basename == layer + ".tar.gz"]]
        asserts.equals(env, 1, len(action), "one action writes layer " + layer)
        inputs = [f.path for f in action[0].inputs.to_list()] if action else []
        asserts.true(env, [i for i in inputs if want in i], "expected an input of layer `{}` containing `{}` in {}".format(layer, want, inputs))
    return analysistest.end(env)

image_layers_test = analysistest.make(_image_layers_test_impl, attrs = {
    "inputs": attr.string_list(doc = "`LAYER=SUBSTRING`: some input of that layer's action contains SUBSTRING."),
    "layers": attr.string_list(doc = "The layer names, bottom to top."),
})

def _image_layer_fails_test_impl(ctx):
    env = analysistest.begin(ctx)
    for message in ctx.attr.messages:
        asserts.expect_failure(env, message)
    return analysistest.end(env)

image_layer_fails_test = analysistest.make(
    _image_layer_fails_test_impl,
    expect_failure = True,
    attrs = {"messages": attr.string_list(doc = "Parts of the expected error.")},
)

"""Renders Bazel's `starlark_doc_extract` output (a binary `ModuleInfo` proto) as Markdown.

    render.py --output OUT.md MODULE.binaryproto

Stardoc's own renderer needs the Bazel Central Registry; this one needs only
the `protobuf` runtime (locked in tools/docs/poetry.lock). It renders what
ofiuco's public .bzl files export: rules, macros, providers, functions,
aspects, repository rules and module extensions with their tag classes, each
with a table of its attributes (or fields, or parameters).

It also enforces the documentation: a rule, attribute, tag class, provider,
provider field, function or parameter without a docstring is an error naming
it, so the reference cannot silently grow holes. Exit status 1 on any error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

# The part of Bazel's `stardoc_output.proto` (package `stardoc_output`) that
# this renderer reads, as (field, tag, type) rows: a message name as type, or
# one of the scalar types below; "*" marks a repeated field. Tags are the wire
# format's field numbers, which Bazel keeps stable; fields left out here are
# skipped as unknown fields.
_SCALARS = {
    "string": descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
    "bool": descriptor_pb2.FieldDescriptorProto.TYPE_BOOL,
}
_ENUMS = {
    "AttributeType": [
        "UNKNOWN",
        "NAME",
        "INT",
        "LABEL",
        "STRING",
        "STRING_LIST",
        "INT_LIST",
        "LABEL_LIST",
        "BOOLEAN",
        "LABEL_STRING_DICT",
        "STRING_DICT",
        "STRING_LIST_DICT",
        "OUTPUT",
        "OUTPUT_LIST",
    ],
    "FunctionParamRole": [
        "PARAM_ROLE_UNSPECIFIED",
        "PARAM_ROLE_ORDINARY",
        "PARAM_ROLE_POSITIONAL_ONLY",
        "PARAM_ROLE_KEYWORD_ONLY",
        "PARAM_ROLE_VARARGS",
        "PARAM_ROLE_KWARGS",
    ],
}
_MESSAGES = {
    "ModuleInfo": [
        ("rule_info", 1, "*RuleInfo"),
        ("provider_info", 2, "*ProviderInfo"),
        ("func_info", 3, "*StarlarkFunctionInfo"),
        ("aspect_info", 4, "*AspectInfo"),
        ("module_docstring", 5, "string"),
        ("file", 6, "string"),
        ("module_extension_info", 7, "*ModuleExtensionInfo"),
        ("repository_rule_info", 8, "*RepositoryRuleInfo"),
        ("macro_info", 9, "*MacroInfo"),
    ],
    "RuleInfo": [
        ("rule_name", 1, "string"),
        ("doc_string", 2, "string"),
        ("attribute", 3, "*AttributeInfo"),
        ("advertised_providers", 5, "ProviderNameGroup"),
        ("test", 6, "bool"),
        ("executable", 7, "bool"),
    ],
    "MacroInfo": [
        ("macro_name", 1, "string"),
        ("doc_string", 2, "string"),
        ("attribute", 3, "*AttributeInfo"),
    ],
    "AttributeInfo": [
        ("name", 1, "string"),
        ("doc_string", 2, "string"),
        ("type", 3, "AttributeType"),
        ("mandatory", 4, "bool"),
        ("provider_name_group", 5, "*ProviderNameGroup"),
        ("default_value", 6, "string"),
        ("nonconfigurable", 7, "bool"),
    ],
    "ProviderNameGroup": [("provider_name", 1, "*string")],
    "StarlarkFunctionInfo": [
        ("function_name", 1, "string"),
        ("parameter", 2, "*FunctionParamInfo"),
        ("doc_string", 3, "string"),
        ("return", 4, "FunctionReturnInfo"),
        ("deprecated", 5, "FunctionDeprecationInfo"),
    ],
    "FunctionParamInfo": [
        ("name", 1, "string"),
        ("doc_string", 2, "string"),
        ("default_value", 3, "string"),
        ("mandatory", 4, "bool"),
        ("role", 5, "FunctionParamRole"),
    ],
    "FunctionReturnInfo": [("doc_string", 1, "string")],
    "FunctionDeprecationInfo": [("doc_string", 1, "string")],
    "ProviderFieldInfo": [("name", 1, "string"), ("doc_string", 2, "string")],
    "ProviderInfo": [
        ("provider_name", 1, "string"),
        ("doc_string", 2, "string"),
        ("field_info", 3, "*ProviderFieldInfo"),
    ],
    "AspectInfo": [
        ("aspect_name", 1, "string"),
        ("doc_string", 2, "string"),
        ("aspect_attribute", 3, "*string"),
        ("attribute", 4, "*AttributeInfo"),
    ],
    "ModuleExtensionInfo": [
        ("extension_name", 1, "string"),
        ("doc_string", 2, "string"),
        ("tag_class", 3, "*ModuleExtensionTagClassInfo"),
    ],
    "ModuleExtensionTagClassInfo": [
        ("tag_name", 1, "string"),
        ("doc_string", 2, "string"),
        ("attribute", 3, "*AttributeInfo"),
    ],
    "RepositoryRuleInfo": [
        ("rule_name", 1, "string"),
        ("doc_string", 2, "string"),
        ("attribute", 3, "*AttributeInfo"),
        ("environ", 4, "*string"),
    ],
}

_ATTRIBUTE_TYPES = {
    "NAME": "name",
    "INT": "int",
    "LABEL": "label",
    "STRING": "string",
    "STRING_LIST": "list of strings",
    "INT_LIST": "list of ints",
    "LABEL_LIST": "list of labels",
    "BOOLEAN": "bool",
    "LABEL_STRING_DICT": "dict: label → string",
    "STRING_DICT": "dict: string → string",
    "STRING_LIST_DICT": "dict: string → list of strings",
    "OUTPUT": "output",
    "OUTPUT_LIST": "list of outputs",
}


def module_info_class():
    """The `ModuleInfo` message class, built from the schema above."""
    fdp = descriptor_pb2.FileDescriptorProto(
        name="ofiuco_stardoc_output.proto", package="stardoc_output", syntax="proto3"
    )
    for name, values in _ENUMS.items():
        enum = fdp.enum_type.add(name=name)
        for number, value in enumerate(values):
            enum.value.add(name=value, number=number)
    for name, fields in _MESSAGES.items():
        msg = fdp.message_type.add(name=name)
        for field_name, number, kind in fields:
            repeated = kind.startswith("*")
            kind = kind.lstrip("*")
            field = msg.field.add(name=field_name, number=number)
            field.label = (
                descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
                if repeated
                else descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
            )
            if kind in _SCALARS:
                field.type = _SCALARS[kind]
            elif kind in _ENUMS:
                field.type = descriptor_pb2.FieldDescriptorProto.TYPE_ENUM
                field.type_name = ".stardoc_output." + kind
            else:
                field.type = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
                field.type_name = ".stardoc_output." + kind
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("stardoc_output.ModuleInfo"))


class Renderer:
    """Markdown for one module; `missing` collects what has no docstring."""

    def __init__(self, module):
        self.module = module
        self.missing = []
        self.out = []
        self.load_label = module.file

    def emit(self, *lines):
        self.out.extend(lines)

    def doc(self, text, what):
        """The docstring as Markdown paragraphs; records `what` when there is none."""
        text = text.strip()
        if not text:
            self.missing.append(what)
        return text

    def cell(self, text, what):
        """A docstring for a table cell: one line, `|` escaped, paragraphs kept apart."""
        text = self.doc(text, what)
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
        return "<br><br>".join(paragraphs).replace("|", "\\|")

    def load(self, symbol, call):
        self.emit(
            "```starlark",
            f'load("{self.load_label}", "{symbol}")',
            "",
            call,
            "```",
            "",
        )

    def attributes(self, attrs, owner, implicit=()):
        """The attribute table; `implicit` names Bazel's own attributes to leave out."""
        attrs = [a for a in attrs if a.name not in implicit]
        if not attrs:
            return
        self.emit("| Attribute | Type | Default | Description |", "|---|---|---|---|")
        for a in attrs:
            kind = _ATTRIBUTE_TYPES.get(_enum_name(a, "type"), "?")
            if a.mandatory:
                kind += ", mandatory"
            if a.nonconfigurable:
                kind += ", not configurable"
            default = "" if a.mandatory or not a.default_value else f"`{a.default_value}`"
            if a.name == "name" and _enum_name(a, "type") == "NAME":
                doc = a.doc_string.strip() or "A unique name for this target."
            else:
                doc = self.cell(a.doc_string, f"attribute `{a.name}` of `{owner}`")
            providers = [
                " and ".join(f"`{p}`" for p in g.provider_name)
                for g in a.provider_name_group
                if g.provider_name
            ]
            if providers:
                doc += "<br><br>Needs " + " or ".join(providers) + "."
            self.emit(f"| `{a.name}` | {kind} | {default} | {doc} |")
        self.emit("")

    def rule(self, r):
        name = r.rule_name
        self.emit(f"### `{name}`", "")
        args = ", ".join(a.name for a in r.attribute)
        self.load(name, f"{name}({args})")
        self.emit(self.doc(r.doc_string, f"rule `{name}`"), "")
        if r.test:
            self.emit("A test rule (`bazel test`).", "")
        elif r.executable:
            self.emit("An executable rule (`bazel run`).", "")
        self.attributes(r.attribute, name)
        provided = list(r.advertised_providers.provider_name)
        if provided:
            self.emit("Provides " + ", ".join(f"`{p}`" for p in provided) + ".", "")

    def macro(self, m):
        name = m.macro_name
        self.emit(f"### `{name}`", "")
        self.load(name, f"{name}({', '.join(a.name for a in m.attribute)})")
        self.emit(self.doc(m.doc_string, f"macro `{name}`"), "")
        self.attributes(m.attribute, name)

    def provider(self, p):
        name = p.provider_name
        self.emit(f"### `{name}`", "")
        self.load(name, f"{name}[...]")
        self.emit(self.doc(p.doc_string, f"provider `{name}`"), "")
        if p.field_info:
            self.emit("| Field | Description |", "|---|---|")
            for f in p.field_info:
                self.emit(
                    f"| `{f.name}` | {self.cell(f.doc_string, f'field `{f.name}` of `{name}`')} |"
                )
            self.emit("")

    def function(self, f):
        name = f.function_name
        self.emit(f"### `{name}`", "")
        roles = _param_roles(f.parameter)
        signature = ", ".join(_param_signature(p, r) for p, r in zip(f.parameter, roles))
        self.load(name, f"{name}({signature})")
        self.emit(self.doc(f.doc_string, f"function `{name}`"), "")
        if f.parameter:
            self.emit("| Parameter | Default | Description |", "|---|---|---|")
            for p, role in zip(f.parameter, roles):
                default = "" if p.mandatory or not p.default_value else f"`{p.default_value}`"
                doc = self.cell(p.doc_string, f"parameter `{p.name}` of `{name}`")
                self.emit(
                    f"| `{_param_signature(p, role, with_default=False)}` | {default} | {doc} |"
                )
            self.emit("")
        returns = getattr(f, "return").doc_string.strip()
        if returns:
            self.emit("**Returns:** " + returns, "")
        if f.deprecated.doc_string.strip():
            self.emit("**Deprecated:** " + f.deprecated.doc_string.strip(), "")

    def aspect(self, a):
        name = a.aspect_name
        self.emit(f"### `{name}`", "")
        self.emit(self.doc(a.doc_string, f"aspect `{name}`"), "")
        if a.aspect_attribute:
            along = ", ".join(f"`{x}`" for x in a.aspect_attribute)
            self.emit(f"Propagates along {along}.", "")
        self.attributes(a.attribute, name, implicit=("name",))

    def repository_rule(self, r):
        name = r.rule_name
        self.emit(f"### `{name}`", "")
        attrs = [a.name for a in r.attribute if a.name != "repo_mapping"]
        self.load(name, f"{name}({', '.join(attrs)})")
        self.emit(self.doc(r.doc_string, f"repository rule `{name}`"), "")
        # repo_mapping: Bazel's, for WORKSPACE only.
        self.attributes(r.attribute, name, implicit=("repo_mapping",))
        if r.environ:
            self.emit("Reads " + ", ".join(f"`{e}`" for e in r.environ) + ".", "")

    def extension(self, e):
        name = e.extension_name
        self.emit(f"### `{name}`", "")
        self.emit(
            "```starlark",
            f'{name} = use_extension("{self.load_label}", "{name}")',
            *[
                f"{name}.{t.tag_name}({', '.join(a.name for a in t.attribute)})"
                for t in e.tag_class
            ],
            "```",
            "",
        )
        self.emit(self.doc(e.doc_string, f"module extension `{name}`"), "")
        for t in e.tag_class:
            tag = f"{name}.{t.tag_name}"
            self.emit(f"#### Tag `{tag}`", "")
            self.emit(self.doc(t.doc_string, f"tag class `{tag}`"), "")
            self.attributes(t.attribute, tag)

    def render(self):
        m = self.module
        self.emit(f"# `{m.file}`", "")
        self.emit(
            "<!-- Generated by tools/docs/render.py from the docstrings of "
            f"{m.file}; do not edit. Regenerate with tools/dev/update_snapshots.sh. -->",
            "",
        )
        self.emit(self.doc(m.module_docstring, f"the module docstring of `{m.file}`"), "")
        sections = [
            ("Module extensions", m.module_extension_info, self.extension),
            ("Rules", m.rule_info, self.rule),
            ("Macros", m.macro_info, self.macro),
            ("Providers", m.provider_info, self.provider),
            ("Functions", m.func_info, self.function),
            ("Aspects", m.aspect_info, self.aspect),
            ("Repository rules", m.repository_rule_info, self.repository_rule),
        ]
        for heading, items, render in sections:
            if not items:
                continue
            self.emit(f"## {heading}", "")
            for item in items:
                render(item)
        while self.out and self.out[-1] == "":
            self.out.pop()
        return "\n".join(self.out) + "\n"


def _enum_name(message, field):
    value = getattr(message, field)
    return message.DESCRIPTOR.fields_by_name[field].enum_type.values_by_number[value].name


def _param_roles(params):
    """Each parameter's role. Bazel 7 sets no `role`; there, a parameter that is
    neither mandatory nor has a default is residual (`*args`, `**kwargs`, which
    come last): with two, the first is `*`; with one, `**` only when it is
    called `kwargs`."""
    roles = [_enum_name(p, "role") for p in params]
    if any(r != "PARAM_ROLE_UNSPECIFIED" for r in roles):
        return roles
    residual = [i for i, p in enumerate(params) if not p.mandatory and not p.default_value]
    if len(residual) == 2:
        roles[residual[0]], roles[residual[1]] = "PARAM_ROLE_VARARGS", "PARAM_ROLE_KWARGS"
    elif len(residual) == 1:
        kwargs = params[residual[0]].name == "kwargs"
        roles[residual[0]] = "PARAM_ROLE_KWARGS" if kwargs else "PARAM_ROLE_VARARGS"
    return roles


def _param_signature(p, role, with_default=True):
    if role == "PARAM_ROLE_VARARGS":
        return "*" + p.name
    if role == "PARAM_ROLE_KWARGS":
        return "**" + p.name
    if with_default and not p.mandatory and p.default_value:
        return f"{p.name} = {p.default_value}"
    return p.name


def render(data: bytes) -> tuple[str, str, list[str]]:
    """(the module's label, Markdown, what has no docstring) of one serialized `ModuleInfo`."""
    module = module_info_class()()
    module.ParseFromString(data)
    renderer = Renderer(module)
    return module.file, renderer.render(), renderer.missing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module_info", type=Path, help="a starlark_doc_extract .binaryproto")
    parser.add_argument("--output", type=Path, required=True, help="the Markdown file to write")
    args = parser.parse_args(argv)
    label, markdown, missing = render(args.module_info.read_bytes())
    if missing:
        print(
            f"error: {label} has {len(missing)} public item(s) without a docstring:",
            file=sys.stderr,
        )
        for what in missing:
            print(f"  - {what}", file=sys.stderr)
        print(
            "hint: add a `doc` (rules, attributes, tags, providers) or a docstring (functions, modules).",
            file=sys.stderr,
        )
        return 1
    args.output.write_text(markdown, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

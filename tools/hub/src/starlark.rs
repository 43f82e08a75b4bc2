//! The one encoder of values written into generated Starlark.
//!
//! Names, versions, file names and labels come from the lock: the hub's
//! BUILD.bazel writes every value as a Starlark literal ([`string_literal`];
//! `build_file.rs` writes it), comments too, so that no text can end a string
//! or a comment line. Tests render `templates/BUILD.bazel.j2` with a template
//! environment that auto-escapes every `{{ value }}` the same way
//! ([`literal`]) and compare. Starlark code computed by the hub itself (the
//! environment index lists of `pick()`) is passed as [`code`], which is
//! written as it is.

#[cfg(test)]
use minijinja::{
    value::ValueKind, AutoEscape, Environment, Error, ErrorKind, Output, State, Value,
};
use serde::Serializer;
use std::fmt::Write as _;

#[cfg(test)]
/// The auto-escape mode of templates written as Starlark.
const STARLARK: AutoEscape = AutoEscape::Custom("starlark");

#[cfg(test)]
/// The template names rendered with [`STARLARK`] auto-escaping.
pub(crate) const BUILD_TEMPLATE: &str = "BUILD.bazel";

#[cfg(test)]
/// The template environment: `BUILD.bazel` auto-escapes every value with
/// [`literal`]; the `q` filter does the same explicitly elsewhere.
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.add_filter("q", |value: &Value| -> Result<Value, Error> {
        Ok(Value::from_safe_string(literal(value)?))
    });
    env.set_auto_escape_callback(|name| {
        if name == BUILD_TEMPLATE {
            STARLARK
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(format);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env
}

#[cfg(test)]
fn format(out: &mut Output<'_>, state: &State<'_, '_>, value: &Value) -> Result<(), Error> {
    if state.auto_escape() == STARLARK && !value.is_safe() {
        return out.write_str(&literal(value)?).map_err(Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

#[cfg(test)]
/// `value` as a Starlark literal: a string as [`string_literal`], numbers,
/// booleans, `None`, and lists of those. A safe string (see [`code`]) is
/// written as it is.
pub(crate) fn literal(value: &Value) -> Result<String, Error> {
    if value.is_safe() {
        return Ok(value.to_string());
    }
    Ok(match value.kind() {
        ValueKind::String => string_literal(value.as_str().unwrap_or_default()),
        ValueKind::Number => value.to_string(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.to_string(),
        ValueKind::None => "None".to_string(),
        ValueKind::Seq => {
            let items: Result<Vec<String>, Error> =
                value.try_iter()?.map(|item| literal(&item)).collect();
            format!("[{}]", items?.join(", "))
        }
        kind => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("a {kind} cannot be written as Starlark"),
            ))
        }
    })
}

/// `text` as a double-quoted Starlark string literal that Bazel's lexer
/// reads back as `text`: `"`, `\` and line breaks escaped, other control
/// characters as octal escapes (Bazel knows no `\x` or `\u` escapes).
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_string_literal(&mut out, text);
    out
}

/// Appends [`string_literal`] of `text` to `out`.
pub(crate) fn push_string_literal(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    let plain = |b: u8| b != b'"' && b != b'\\' && !b.is_ascii_control();
    if text.bytes().all(plain) {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_ascii_control() => {
                    let _ = write!(out, "\\{:03o}", c as u32);
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

/// Serializes Starlark code computed by the hub (not text from the lock) so
/// that the templates write it as it is: `#[serde(serialize_with = "code")]`.
/// A string to any other serializer (minijinja is a test oracle only).
pub(crate) fn code<S: Serializer>(code: &str, s: S) -> Result<S::Ok, S::Error> {
    #[cfg(test)]
    return serde::Serialize::serialize(&Value::from_safe_string(code.to_string()), s);
    #[cfg(not(test))]
    s.serialize_str(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals() {
        assert_eq!(string_literal("six"), r#""six""#);
        assert_eq!(
            string_literal("a\"])\ngenrule(\\"),
            r#""a\"])\ngenrule(\\""#
        );
        assert_eq!(string_literal("\x1b[2J\0\x7f"), r#""\033[2J\000\177""#);
        assert_eq!(string_literal("é\u{2028}"), "\"é\u{2028}\"");
    }

    #[test]
    fn build_template_escapes_everything_but_code() {
        #[derive(serde::Serialize)]
        struct View {
            text: &'static str,
            #[serde(serialize_with = "code")]
            envs: &'static str,
        }
        let env = environment();
        let template = env
            .template_from_named_str(
                BUILD_TEMPLATE,
                "# {{ v.text }}\nx = {{ v.text | q }}: {{ v.envs }}, {{ [1, \"a\"] }}\n",
            )
            .unwrap();
        let view = View {
            text: "a\nb = 1 #\"",
            envs: "list(range(0, 3)) + [5]",
        };
        let out = template.render(minijinja::context! { v => view }).unwrap();
        assert_eq!(
            out,
            "# \"a\\nb = 1 #\\\"\"\nx = \"a\\nb = 1 #\\\"\": list(range(0, 3)) + [5], [1, \"a\"]"
        );
        // Other templates write values as they are, and `q` encodes.
        let out = env
            .render_str(
                "{{ v.text }}|{{ v.text | q }}",
                minijinja::context! { v => View { text: "\"", envs: "" } },
            )
            .unwrap();
        assert_eq!(out, "\"|\"\\\"\"");
    }
}

//! Checks of lock text before anything else uses it: distribution names
//! (PEP 508), file names (wheel and sdist grammar), and requirement and
//! marker text that `pep508_rs` 0.9 would panic on (or overflow the stack
//! with, or take very long for).

use std::str::FromStr;

/// The longest file name: what a file system takes as one path component.
pub(crate) const MAX_FILE_NAME: usize = 255;

// The guards of requirement and marker text, shared with the sdist reader.
pub(crate) use ofiuco_spec::pep508_guard::{marker_problem, requirement_problem};

/// Why `name` is not a PEP 508 name
/// (`^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive).
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return Some("it is empty");
    };
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Some("it has characters other than ASCII letters, digits, `-`, `_` and `.`");
    }
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Some("it starts or ends with `-`, `_` or `.`");
    }
    None
}

/// Why `version` is not a PEP 440 version (as `pep440_rs` reads it, but
/// without the white space it allows around it).
pub(crate) fn version_problem(version: &str) -> Option<String> {
    if !version
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'!' | b'-' | b'_'))
    {
        return Some(
            "it has characters other than letters, digits, `.`, `+`, `!`, `-` and `_`".to_string(),
        );
    }
    pep440_rs::Version::from_str(version)
        .err()
        .map(|err| err.to_string())
}

/// Letters, digits, `_` and `.`: a part of a wheel file name other than the
/// version (binary distribution format: runs of other characters are
/// escaped as `_`; `.` joins compressed tag sets).
fn is_part_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.')
}

/// A version part of a file name: a part, or `+` (local version) and `!` (epoch).
fn is_version_char(b: u8) -> bool {
    is_part_char(b) || matches!(b, b'+' | b'!')
}

/// Why a file name is not a distribution file name (see [`file_name_problem`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileNameProblem {
    #[error("it is longer than 255 bytes")]
    TooLong,
    #[error("it does not start with a letter or digit")]
    Start,
    #[error("a wheel name has 5 or 6 parts separated by `-`")]
    WheelParts,
    #[error("a part is empty or has characters other than letters, digits, `_` and `.` (and `+`, `!` in the version)")]
    WheelPart,
    #[error("the build tag does not start with a digit")]
    BuildTag,
    #[error("an egg name is `{{name}}-{{version}}(-{{python}}(-{{platform}})?)?.egg`, each part of letters, digits, `_` and `.`")]
    Egg,
    #[error("it ends neither in `.whl` (wheel) nor in `.tar.gz` or `.zip` (sdist)")]
    Extension,
    #[error("an sdist name is `{{name}}-{{version}}`, with a `-` before the version")]
    SdistVersion,
    #[error("the name or version has characters other than letters, digits, `_` and `.` (and `-` in the name, `+`, `!` in the version)")]
    SdistPart,
}

/// Why `file` is not a distribution file name: a wheel
/// `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl` (PEP 427), an
/// sdist `{name}-{version}.tar.gz` or `.zip` (legacy sdists have `-` in the
/// name), or a legacy egg `{name}-{version}(-{python}(-{platform})?)?.egg`
/// (real locks list them; ofiuco never installs one).
pub(crate) fn file_name_problem(file: &str) -> Option<FileNameProblem> {
    use FileNameProblem::{
        BuildTag, Egg, Extension, SdistPart, SdistVersion, Start, TooLong, WheelPart, WheelParts,
    };
    if file.len() > MAX_FILE_NAME {
        return Some(TooLong);
    }
    if !file.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some(Start);
    }
    // The `-`-separated parts of a stem: each non-empty, the second (the
    // version) of version characters, the others of part characters.
    let parts_ok = |stem: &str| {
        stem.split('-').enumerate().all(|(i, part)| {
            !part.is_empty()
                && if i == 1 {
                    part.bytes().all(is_version_char)
                } else {
                    part.bytes().all(is_part_char)
                }
        })
    };
    let part_count = |stem: &str| stem.bytes().filter(|&b| b == b'-').count() + 1;
    if let Some(stem) = file.strip_suffix(".whl") {
        let parts = part_count(stem);
        if !matches!(parts, 5 | 6) {
            return Some(WheelParts);
        }
        if !parts_ok(stem) {
            return Some(WheelPart);
        }
        if parts == 6
            && !stem
                .split('-')
                .nth(2)
                .is_some_and(|build| build.starts_with(|c: char| c.is_ascii_digit()))
        {
            return Some(BuildTag);
        }
        return None;
    }
    if let Some(stem) = file.strip_suffix(".egg") {
        if !(2..=4).contains(&part_count(stem)) || !parts_ok(stem) {
            return Some(Egg);
        }
        return None;
    }
    let Some(stem) = file
        .strip_suffix(".tar.gz")
        .or_else(|| file.strip_suffix(".zip"))
    else {
        return Some(Extension);
    };
    let Some((name, version)) = stem.rsplit_once('-') else {
        return Some(SdistVersion);
    };
    let name_ok = name.bytes().all(|b| is_part_char(b) || b == b'-');
    if name.is_empty() || !name_ok || version.is_empty() || !version.bytes().all(is_version_char) {
        return Some(SdistPart);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "a",
            "six",
            "Typing_Extensions",
            "zope.interface",
            "a-_.b",
            "9",
        ] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
        for bad in ["", "..", "a b", "-a", "a-", "a/b", "é", "a\n", "a\"b"] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn file_names() {
        for ok in [
            "six-1.16.0-py2.py3-none-any.whl",
            "torch-2.0.1+cu118-cp310-cp310-linux_x86_64.whl",
            "numpy-1.26.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "pkg-1.0-1build-py3-none-any.whl",
            "python-dateutil-2.8.2.tar.gz",
            "zope.interface-5.4.0.tar.gz",
            "pkg-1!2.0.zip",
            "pyasn1-0.4.8-py2.4.egg",
        ] {
            assert_eq!(file_name_problem(ok), None, "{ok}");
        }
        let long_build = format!("a-1-1{}-py3-none-any.whl", "x".repeat(250));
        for bad in [
            "a-1-1\"])\ngenrule(name=\"x\"-py3-none-any.whl",
            "a-1-1(-py3-none-any.whl",
            "a-1-1;-py3-none-any.whl",
            "a-1-1]-py3-none-any.whl",
            "a-1-1/..-py3-none-any.whl",
            "a-1-x-py3-none-any.whl",
            "a-1-py3-none.whl",
            "a-1--py3-none-any.whl",
            "../a-1.tar.gz",
            ".a-1.tar.gz",
            "a.tar.gz",
            "a-1.tar.bz2",
            "a-1 .zip",
            "a-1-py3-none-any.whl\n",
            long_build.as_str(),
        ] {
            assert!(file_name_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn requirements_pep508_rs_panics_on() {
        for bad in [
            "b.. (>=1)",
            "b../c",
            "a[x.]",
            "a [x, y_ ]",
            "b- ;python_version>'3'",
            "a @ https://x/${CI_TOKEN}",
        ] {
            assert!(requirement_problem(bad).is_some(), "{bad}");
        }
        for ok in [
            "b",
            "b.",
            "a[x]",
            "coverage[toml] (>=5.0.2)",
            "a ; extra == 'x.'",
        ] {
            assert_eq!(requirement_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn markers_too_deep_long_or_large() {
        let deep = format!("{}python_version > '3'{}", "(".repeat(33), ")".repeat(33));
        assert!(marker_problem(&deep).is_some());
        let ok = format!("{}python_version > '3'{}", "(".repeat(32), ")".repeat(32));
        assert_eq!(marker_problem(&ok), None);
        let long = vec!["os_name == 'a'"; 102].join(" or ");
        assert!(marker_problem(&long).is_some());
        assert!(marker_problem("python_version > '3.18446744073709551615'").is_some());
        assert!(marker_problem("python_version < \"3.10\"\u{202e}").is_some());
        assert!(marker_problem("python_version < \"3.10\" é").is_some());
        assert_eq!(
            marker_problem("platform_version == 'é' and os_name == \"\u{202e}\""),
            None
        );
        assert_eq!(
            marker_problem("python_version > '3.1844674407370955161'"),
            None
        );
    }
}

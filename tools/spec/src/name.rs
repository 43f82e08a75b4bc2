//! Package names: validated (PEP 508) and normalized (PEP 503) when made.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Normalizes a distribution name per PEP 503: lower case, every run of `-`, `_`
/// and `.` replaced by a single `-`. It does not validate: use it for names
/// only shown or compared (a display name, a file name's name part), and
/// [`PackageName`] for names that are kept.
///
/// ```
/// assert_eq!(ofiuco_spec::normalize_name("Typing__Extensions"), "typing-extensions");
/// assert_eq!(ofiuco_spec::normalize_name("zope.interface"), "zope-interface");
/// ```
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for c in name.chars() {
        if is_separator(c) {
            if !in_separator_run {
                out.push('-');
            }
            in_separator_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_separator_run = false;
        }
    }
    out
}

/// The name as it appears in `.dist-info` directory and wheel filenames: the
/// normalized name with `-` replaced by `_`.
pub fn dist_info_name(name: &str) -> String {
    normalize_name(name).replace('-', "_")
}

fn is_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

/// The name of a package: valid by PEP 508 and stored in its PEP 503
/// normalized form, so two spellings of one name compare equal and no
/// holder normalizes again.
///
/// PEP 508 names are ASCII letters, digits, `-`, `_` and `.`, starting and
/// ending with a letter or digit (`^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`,
/// case-insensitive). Normalizing lowercases them and replaces each run of
/// `-`, `_` and `.` with one `-`.
///
/// ```
/// use ofiuco_spec::PackageName;
///
/// let name: PackageName = "Typing__Extensions".parse().unwrap();
/// assert_eq!(name.as_str(), "typing-extensions");
/// assert_eq!(name, "typing_extensions".parse::<PackageName>().unwrap());
/// assert!("..".parse::<PackageName>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageName(String);

impl PackageName {
    /// Validates `name` and normalizes it.
    pub fn new(name: &str) -> Result<Self, PackageNameError> {
        validate(name).map_err(|problem| PackageNameError {
            name: name.to_string(),
            problem,
        })?;
        Ok(PackageName(normalize_name(name)))
    }

    /// The normalized name, e.g. `typing-extensions`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as `.dist-info` directories and wheel filenames spell it:
    /// `typing_extensions`.
    pub fn as_dist_info_name(&self) -> String {
        self.0.replace('-', "_")
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Why a name is not a PEP 508 name, without `Ok` for the valid ones.
fn validate(name: &str) -> Result<(), NameProblem> {
    if let Some(c) = name
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !is_separator(*c))
    {
        return Err(NameProblem::Character(c));
    }
    match (name.chars().next(), name.chars().last()) {
        (None, _) | (_, None) => Err(NameProblem::Empty),
        (Some(first), Some(last)) if is_separator(first) || is_separator(last) => {
            Err(NameProblem::Edge)
        }
        _ => Ok(()),
    }
}

/// A string that is not a PEP 508 package name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid package name `{name}`: {problem}")]
pub struct PackageNameError {
    /// The input as given.
    pub name: String,
    pub problem: NameProblem,
}

/// What is wrong with a [`PackageNameError`]'s name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    #[error("a name cannot be empty")]
    Empty,
    #[error(
        "the character {0:?} is not allowed (only ASCII letters, digits, `-`, `_` and `.` are)"
    )]
    Character(char),
    #[error("a name must start and end with a letter or digit")]
    Edge,
}

impl FromStr for PackageName {
    type Err = PackageNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        PackageName::new(name)
    }
}

impl TryFrom<&str> for PackageName {
    type Error = PackageNameError;

    fn try_from(name: &str) -> Result<Self, Self::Error> {
        PackageName::new(name)
    }
}

impl TryFrom<String> for PackageName {
    type Error = PackageNameError;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        PackageName::new(&name)
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PackageName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Maps and sets keyed by `PackageName` can be queried with a normalized `&str`.
impl Borrow<str> for PackageName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for PackageName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for PackageName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl Serialize for PackageName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PackageName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        PackageName::new(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> PackageName {
        s.parse().unwrap()
    }

    fn err(s: &str) -> String {
        s.parse::<PackageName>().unwrap_err().to_string()
    }

    #[test]
    fn normalization() {
        assert_eq!(normalize_name("Foo.-_Bar"), "foo-bar");
        assert_eq!(normalize_name("typing_extensions"), "typing-extensions");
        assert_eq!(normalize_name("Django"), "django");
        assert_eq!(dist_info_name("Zope.Interface"), "zope_interface");
    }

    #[test]
    fn normalized_on_construction() {
        assert_eq!(name("Typing_Extensions").as_str(), "typing-extensions");
        assert_eq!(name("zope.interface").as_str(), "zope-interface");
        assert_eq!(name("Foo.-_Bar").as_str(), "foo-bar");
        assert_eq!(name("PyYAML").to_string(), "pyyaml");
        assert_eq!(name("a"), name("A"));
        assert_eq!(name("x1"), "x1");
        assert_eq!(name("Zope.Interface").as_dist_info_name(), "zope_interface");
        assert_eq!(
            PackageName::try_from("a__b".to_string())
                .unwrap()
                .into_string(),
            "a-b"
        );
    }

    #[test]
    fn ordered_and_looked_up_as_normalized_strings() {
        let mut names = vec![name("b"), name("A_b"), name("a")];
        names.sort();
        assert_eq!(names, [name("a"), name("a-b"), name("b")]);
        let set: std::collections::BTreeSet<PackageName> = names.into_iter().collect();
        assert!(set.contains("a-b"));
        assert!(!set.contains("A_b"));
    }

    #[test]
    fn invalid_names() {
        insta::assert_snapshot!(err(""), @"invalid package name ``: a name cannot be empty");
        insta::assert_snapshot!(err(".."), @"invalid package name `..`: a name must start and end with a letter or digit");
        insta::assert_snapshot!(err("-foo"), @"invalid package name `-foo`: a name must start and end with a letter or digit");
        insta::assert_snapshot!(err("foo_"), @"invalid package name `foo_`: a name must start and end with a letter or digit");
        insta::assert_snapshot!(err("foo bar"), @"invalid package name `foo bar`: the character ' ' is not allowed (only ASCII letters, digits, `-`, `_` and `.` are)");
        insta::assert_snapshot!(err("naïve"), @"invalid package name `naïve`: the character 'ï' is not allowed (only ASCII letters, digits, `-`, `_` and `.` are)");
        insta::assert_snapshot!(err("../etc"), @"invalid package name `../etc`: the character '/' is not allowed (only ASCII letters, digits, `-`, `_` and `.` are)");
        let e = "a+b".parse::<PackageName>().unwrap_err();
        assert_eq!(e.name, "a+b");
        assert_eq!(e.problem, NameProblem::Character('+'));
    }

    #[test]
    fn serde_as_a_string() {
        let json = serde_json::to_string(&name("Typing_Extensions")).unwrap();
        assert_eq!(json, r#""typing-extensions""#);
        let back: PackageName = serde_json::from_str(r#""Zope.Interface""#).unwrap();
        assert_eq!(back, name("zope-interface"));
        let bad = serde_json::from_str::<PackageName>(r#""a b""#).unwrap_err();
        assert!(
            bad.to_string().starts_with("invalid package name `a b`"),
            "{bad}"
        );
    }
}

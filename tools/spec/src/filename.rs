//! Wheel and sdist filenames (PEP 427, PEP 491, binary distribution format spec).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;

use crate::name::normalize_name;
use crate::tags::Tag;

/// Whether `filename` names a source distribution archive (the extensions pip
/// accepts: `.tar.gz`, `.tgz`, `.tar`, `.zip`, `.tar.bz2`, `.tbz`, `.tar.xz`,
/// `.txz`, `.tlz`, `.tar.lz`, `.tar.lzma`). Case-insensitive; wheels are not sdists.
pub fn is_sdist(filename: &str) -> bool {
    const EXTENSIONS: [&str; 11] = [
        ".tar.gz",
        ".tgz",
        ".tar",
        ".zip",
        ".tar.bz2",
        ".tbz",
        ".tar.xz",
        ".txz",
        ".tlz",
        ".tar.lz",
        ".tar.lzma",
    ];
    let lower = filename.to_ascii_lowercase();
    EXTENSIONS
        .iter()
        .any(|ext| lower.len() > ext.len() && lower.ends_with(ext))
}

/// A parsed wheel filename:
/// `{name}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl`,
/// where each tag may be a compressed set such as `manylinux_2_17_x86_64.manylinux2014_x86_64`.
///
/// `name` is kept as spelled in the filename (use [`WheelFilename::normalized_name`]
/// to compare); `version` is parsed, so `Display` prints it in canonical PEP 440 form,
/// which is how build tools write it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WheelFilename {
    pub name: String,
    pub version: Version,
    pub build_tag: Option<String>,
    pub python_tags: Vec<String>,
    pub abi_tags: Vec<String>,
    pub platform_tags: Vec<String>,
}

/// A wheel filename that does not follow the binary distribution format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WheelFilenameError {
    #[error("invalid wheel filename `{filename}`: it must end in `.whl`")]
    MissingExtension { filename: String },
    #[error(
        "invalid wheel filename `{filename}`: expected 5 or 6 `-`-separated parts \
         (name-version[-build]-python-abi-platform.whl), found {found}"
    )]
    WrongPartCount { filename: String, found: usize },
    #[error(
        "invalid wheel filename `{filename}`: invalid distribution name `{name}` \
         (only ASCII letters, digits, `_` and `.` are allowed)"
    )]
    InvalidName { filename: String, name: String },
    #[error("invalid wheel filename `{filename}`: invalid version `{version}`: {reason}")]
    InvalidVersion {
        filename: String,
        version: String,
        reason: String,
    },
    #[error(
        "invalid wheel filename `{filename}`: build tag `{build_tag}` must start with a digit"
    )]
    InvalidBuildTag { filename: String, build_tag: String },
    #[error("invalid wheel filename `{filename}`: empty {kind} tag in `{tags}`")]
    EmptyTag {
        filename: String,
        kind: &'static str,
        tags: String,
    },
}

impl WheelFilenameError {
    /// The filename that failed to parse.
    pub fn filename(&self) -> &str {
        match self {
            Self::MissingExtension { filename }
            | Self::WrongPartCount { filename, .. }
            | Self::InvalidName { filename, .. }
            | Self::InvalidVersion { filename, .. }
            | Self::InvalidBuildTag { filename, .. }
            | Self::EmptyTag { filename, .. } => filename,
        }
    }
}

impl WheelFilename {
    /// The PEP 503 normalized distribution name.
    pub fn normalized_name(&self) -> String {
        normalize_name(&self.name)
    }

    /// All tags of the compressed tag sets: the cross product python × abi × platform.
    pub fn tags(&self) -> impl Iterator<Item = Tag> + '_ {
        self.tag_triples()
            .map(|(python, abi, platform)| Tag::new(python, abi, platform))
    }

    /// Like [`WheelFilename::tags`], without allocating.
    pub fn tag_triples(&self) -> impl Iterator<Item = (&str, &str, &str)> + '_ {
        self.python_tags.iter().flat_map(move |python| {
            self.abi_tags.iter().flat_map(move |abi| {
                self.platform_tags
                    .iter()
                    .map(move |platform| (python.as_str(), abi.as_str(), platform.as_str()))
            })
        })
    }

    /// Orders build tags as the spec says: wheels without a build tag sort
    /// first, then by the leading number, then by the rest of the tag.
    pub fn cmp_build_tag(&self, other: &Self) -> Ordering {
        cmp_build_tags(self.build_tag.as_deref(), other.build_tag.as_deref())
    }
}

/// [`WheelFilename::cmp_build_tag`] over the build tags alone.
pub(crate) fn cmp_build_tags(a: Option<&str>, b: Option<&str>) -> Ordering {
    build_tag_key(a).cmp(&build_tag_key(b))
}

fn build_tag_key(tag: Option<&str>) -> Option<(u64, &str)> {
    tag.map(|tag| {
        let digits = tag.bytes().take_while(u8::is_ascii_digit).count();
        (tag[..digits].parse().unwrap_or(u64::MAX), &tag[digits..])
    })
}

fn split_tag_set(
    filename: &str,
    kind: &'static str,
    tags: &str,
) -> Result<Vec<String>, WheelFilenameError> {
    tags.split('.')
        .map(|tag| {
            if tag.is_empty() {
                Err(WheelFilenameError::EmptyTag {
                    filename: filename.to_string(),
                    kind,
                    tags: tags.to_string(),
                })
            } else {
                Ok(tag.to_string())
            }
        })
        .collect()
}

impl FromStr for WheelFilename {
    type Err = WheelFilenameError;

    fn from_str(filename: &str) -> Result<Self, Self::Err> {
        let stem =
            filename
                .strip_suffix(".whl")
                .ok_or_else(|| WheelFilenameError::MissingExtension {
                    filename: filename.to_string(),
                })?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build_tag, python, abi, platform) = match parts[..] {
            [name, version, python, abi, platform] => (name, version, None, python, abi, platform),
            [name, version, build, python, abi, platform] => {
                (name, version, Some(build), python, abi, platform)
            }
            _ => {
                return Err(WheelFilenameError::WrongPartCount {
                    filename: filename.to_string(),
                    found: parts.len(),
                })
            }
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return Err(WheelFilenameError::InvalidName {
                filename: filename.to_string(),
                name: name.to_string(),
            });
        }
        let version =
            Version::from_str(version).map_err(|err| WheelFilenameError::InvalidVersion {
                filename: filename.to_string(),
                version: version.to_string(),
                reason: err.to_string(),
            })?;
        if let Some(build) = build_tag {
            if !build.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(WheelFilenameError::InvalidBuildTag {
                    filename: filename.to_string(),
                    build_tag: build.to_string(),
                });
            }
        }
        Ok(WheelFilename {
            name: name.to_string(),
            version,
            build_tag: build_tag.map(str::to_string),
            python_tags: split_tag_set(filename, "python", python)?,
            abi_tags: split_tag_set(filename, "abi", abi)?,
            platform_tags: split_tag_set(filename, "platform", platform)?,
        })
    }
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.name, self.version)?;
        if let Some(build) = &self.build_tag {
            write!(f, "-{build}")?;
        }
        write!(
            f,
            "-{}-{}-{}.whl",
            self.python_tags.join("."),
            self.abi_tags.join("."),
            self.platform_tags.join(".")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> WheelFilename {
        s.parse().unwrap()
    }

    fn err(s: &str) -> String {
        s.parse::<WheelFilename>().unwrap_err().to_string()
    }

    #[test]
    fn round_trips() {
        for name in [
            "numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "six-1.17.0-py2.py3-none-any.whl",
            "typing_extensions-4.12.2-py3-none-any.whl",
            "PyYAML-6.0.2-cp312-cp312-macosx_11_0_arm64.whl",
            "torch-2.5.1-1-cp311-cp311-win_amd64.whl",
            "cryptography-43.0.3-cp39-abi3-musllinux_1_2_aarch64.whl",
            "zope.interface-7.1.1-cp313-cp313-macosx_10_9_x86_64.whl",
            "pkg-1.0.dev3+local.7-py3-none-any.whl",
            "foo-1!2.0rc1.post2-10abc-py3-none-any.whl",
        ] {
            assert_eq!(parse(name).to_string(), name);
        }
    }

    #[test]
    fn fields_and_tags() {
        let wheel = parse("numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
        assert_eq!(wheel.name, "numpy");
        assert_eq!(wheel.version, Version::from_str("2.1.3").unwrap());
        assert_eq!(wheel.build_tag, None);
        let tags: Vec<String> = wheel.tags().map(|t| t.to_string()).collect();
        assert_eq!(
            tags,
            [
                "cp311-cp311-manylinux_2_17_x86_64",
                "cp311-cp311-manylinux2014_x86_64"
            ]
        );

        let wheel = parse("Foo.Bar-1.0-3-py2.py3-none-any.whl");
        assert_eq!(wheel.normalized_name(), "foo-bar");
        assert_eq!(wheel.build_tag.as_deref(), Some("3"));
        let tags: Vec<String> = wheel.tags().map(|t| t.to_string()).collect();
        assert_eq!(tags, ["py2-none-any", "py3-none-any"]);
    }

    #[test]
    fn build_tag_order() {
        let none = parse("a-1-py3-none-any.whl");
        let two = parse("a-1-2-py3-none-any.whl");
        let ten = parse("a-1-10-py3-none-any.whl");
        let ten_b = parse("a-1-10b-py3-none-any.whl");
        assert_eq!(none.cmp_build_tag(&two), Ordering::Less);
        assert_eq!(two.cmp_build_tag(&ten), Ordering::Less);
        assert_eq!(ten.cmp_build_tag(&ten_b), Ordering::Less);
        assert_eq!(ten.cmp_build_tag(&ten), Ordering::Equal);
    }

    #[test]
    fn errors() {
        insta::assert_snapshot!(err("numpy-2.1.3.tar.gz"), @"invalid wheel filename `numpy-2.1.3.tar.gz`: it must end in `.whl`");
        insta::assert_snapshot!(err("numpy-2.1.3-py3-any.whl"), @"invalid wheel filename `numpy-2.1.3-py3-any.whl`: expected 5 or 6 `-`-separated parts (name-version[-build]-python-abi-platform.whl), found 4");
        insta::assert_snapshot!(err("num+py-2.1.3-py3-none-any.whl"), @"invalid wheel filename `num+py-2.1.3-py3-none-any.whl`: invalid distribution name `num+py` (only ASCII letters, digits, `_` and `.` are allowed)");
        insta::assert_snapshot!(err("numpy-two-py3-none-any.whl"), @"invalid wheel filename `numpy-two-py3-none-any.whl`: invalid version `two`: expected version to start with a number, but no leading ASCII digits were found");
        insta::assert_snapshot!(err("numpy-2-x1-py3-none-any.whl"), @"invalid wheel filename `numpy-2-x1-py3-none-any.whl`: build tag `x1` must start with a digit");
        insta::assert_snapshot!(err("numpy-2-py3..py2-none-any.whl"), @"invalid wheel filename `numpy-2-py3..py2-none-any.whl`: empty python tag in `py3..py2`");
        let e = "six-1-py3-none.whl".parse::<WheelFilename>().unwrap_err();
        assert_eq!(e.filename(), "six-1-py3-none.whl");
    }

    #[test]
    fn sdists() {
        for yes in [
            "numpy-2.1.3.tar.gz",
            "x-1.zip",
            "x-1.tar.bz2",
            "X-1.TAR.GZ",
            "x-1.tgz",
            "x-1.tar.xz",
        ] {
            assert!(is_sdist(yes), "{yes}");
        }
        for no in [
            "six-1.17.0-py2.py3-none-any.whl",
            "x-1.exe",
            ".tar.gz",
            "x-1.egg",
        ] {
            assert!(!is_sdist(no), "{no}");
        }
    }
}

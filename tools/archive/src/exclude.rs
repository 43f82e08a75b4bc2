//! `exclude` globs.
//!
//! Patterns are matched against the path of a file inside the archive
//! (`/`-separated, no leading `/`). `*`, `?` and `[...]` never match `/`;
//! `**` as a whole path component matches any number of components
//! (`**/__pycache__/**`, `numpy/tests/**`); `**` joined to other text in a
//! component also crosses `/`, so `**.dist-info/**` matches every file in
//! every `.dist-info` directory at any depth.
//!
//! In the layer layout, where everything lives below `python/`, a pattern is
//! matched against the full archive path *and* against the path below
//! `python/`: `numpy/tests/**` and `python/numpy/tests/**` both work, so one
//! exclude list serves function zips and layers alike.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::ArchiveError;

/// A compiled list of exclude patterns.
#[derive(Debug, Clone)]
pub struct Excludes {
    set: GlobSet,
    patterns: Vec<String>,
}

impl Excludes {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, ArchiveError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let pattern = pattern.as_ref();
            let glob = GlobBuilder::new(&expand_recursive(pattern))
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| ArchiveError::InvalidExclude {
                    pattern: pattern.to_string(),
                    message: e.kind().to_string(),
                })?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| ArchiveError::InvalidExclude {
            pattern: patterns
                .iter()
                .map(std::convert::AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            message: e.kind().to_string(),
        })?;
        Ok(Excludes {
            set,
            patterns: patterns.iter().map(|p| p.as_ref().to_string()).collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Does any pattern match `archive_path`, or (when given) the same path
    /// relative to the layout root?
    pub fn is_excluded(&self, archive_path: &str, root_relative: Option<&str>) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        self.set.is_match(archive_path) || root_relative.is_some_and(|p| self.set.is_match(p))
    }
}

/// Rewrites components where `**` touches other text into globset's
/// recursive form: `**X` becomes `**/*X` and `X**` becomes `X*/**`.
fn expand_recursive(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|part| {
            if part == "**" || !part.contains("**") {
                return part.to_string();
            }
            let mut part = part.to_string();
            if let Some(rest) = part.strip_prefix("**") {
                part = format!("**/*{rest}");
            }
            if let Some(rest) = part.strip_suffix("**") {
                if !rest.ends_with('/') {
                    part = format!("{rest}*/**");
                }
            }
            part
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        let excludes = Excludes::new(&[pattern]).unwrap();
        let relative = path.strip_prefix("python/");
        excludes.is_excluded(path, relative)
    }

    #[test]
    fn expansion() {
        assert_eq!(expand_recursive("**.dist-info/**"), "**/*.dist-info/**");
        assert_eq!(expand_recursive("foo**"), "foo*/**");
        assert_eq!(expand_recursive("**/__pycache__/**"), "**/__pycache__/**");
        assert_eq!(expand_recursive("a/*.py"), "a/*.py");
    }

    #[test]
    fn globs() {
        assert!(matches("**/__pycache__/**", "numpy/__pycache__/x.pyc"));
        assert!(matches("**/__pycache__/**", "__pycache__/x.pyc"));
        assert!(matches(
            "**/__pycache__/**",
            "python/a/b/__pycache__/c/x.pyc"
        ));
        assert!(!matches("**/__pycache__/**", "numpy/__pycache__.py"));

        assert!(matches("**.dist-info/**", "numpy-2.2.6.dist-info/RECORD"));
        assert!(matches(
            "**.dist-info/**",
            "python/numpy-2.2.6.dist-info/RECORD"
        ));
        assert!(!matches("**.dist-info/**", "numpy/dist-info.py"));

        assert!(matches("numpy/tests/**", "numpy/tests/test_a.py"));
        assert!(matches("numpy/tests/**", "python/numpy/tests/test_a.py"));
        assert!(matches(
            "python/numpy/tests/**",
            "python/numpy/tests/test_a.py"
        ));
        assert!(!matches("numpy/tests/**", "numpy/core/tests/test_a.py"));

        assert!(matches("*.txt", "README.txt"));
        assert!(!matches("*.txt", "docs/README.txt"));
        assert!(matches("**/*.pyi", "a/b/c.pyi"));
        assert!(matches("**/*.pyi", "c.pyi"));
    }

    #[test]
    fn invalid_pattern() {
        let err = Excludes::new(&["a/[b"]).unwrap_err();
        insta::assert_snapshot!(err, @"invalid exclude pattern `a/[b`: unclosed character class; missing ']'");
    }
}

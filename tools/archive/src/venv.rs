//! `ofiuco venv`: merge installed package trees into one tree (`py_venv`).
//!
//! Everything below each tree (site-packages/, bin/, include/, data/) is
//! copied (not linked: links across Bazel output trees aren't reliable) to
//! the same relative path in the output. The same path in two trees is fine
//! when the files are identical (the first tree keeps it); different files
//! are an error naming both packages, found before anything is written. The
//! tree is built in a temporary directory beside the output and renamed
//! into place.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::io_err;
use crate::pipeline::{run_ordered, thread_count};
use crate::text::shown;
use crate::tree::{
    file_directory_conflict, parent_dir, same_content, set_mode, walk_files, TreeFile,
};
use crate::{normalized_mode, ArchiveError};

/// What [`merge_venv`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VenvReport {
    pub files: u64,
    pub bytes: u64,
    /// Paths provided, identically, by more than one package.
    pub duplicate_files: u64,
}

/// Merges `trees` (package name, installed tree) into `output`, which must
/// not exist or be an empty directory. `threads` copy in parallel (0: the
/// available parallelism).
pub fn merge_venv(
    trees: &[(String, PathBuf)],
    output: &Path,
    threads: usize,
) -> Result<VenvReport, ArchiveError> {
    let mut merged: BTreeMap<String, (TreeFile, usize)> = BTreeMap::new();
    let mut report = VenvReport::default();
    for (index, (package, tree)) in trees.iter().enumerate() {
        for file in walk_files(tree)? {
            match merged.get(&file.rel) {
                None => {
                    merged.insert(file.rel.clone(), (file, index));
                }
                Some((first, first_index)) => {
                    if !same_content(first, &file)? {
                        return Err(ArchiveError::VenvConflict {
                            path: file.rel.clone(),
                            first: trees[*first_index].0.clone(),
                            second: package.clone(),
                        });
                    }
                    report.duplicate_files += 1;
                }
            }
        }
    }
    let owner = |path: &str| format!("package `{}`", shown(&trees[merged[path].1].0));
    if let Some((first, second)) =
        ofiuco_spec::paths::case_collision(merged.keys().map(String::as_str))
    {
        return Err(ArchiveError::CaseConflict {
            first: first.to_string(),
            first_owner: owner(first),
            second: second.to_string(),
            second_owner: owner(second),
        });
    }
    if let Some((file, inside)) = file_directory_conflict(merged.keys().map(String::as_str)) {
        return Err(ArchiveError::FileDirectoryConflict {
            file: file.to_string(),
            file_owner: owner(file),
            inside: inside.to_string(),
            inside_owner: owner(inside),
        });
    }

    if output.exists() {
        let mut entries = fs::read_dir(output).map_err(io_err("read directory", output))?;
        if entries.next().is_some() {
            return Err(ArchiveError::OutputNotEmpty {
                path: output.to_path_buf(),
            });
        }
    }
    let parent = parent_dir(output);
    let tmp = tempfile::Builder::new()
        .prefix(".ofiuco-venv")
        .tempdir_in(parent)
        .map_err(io_err("create a temporary directory in", parent))?;

    let files: Vec<&TreeFile> = merged.values().map(|(f, _)| f).collect();
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.rel).parent().map(|p| tmp.path().join(p)))
        .collect();
    dirs.dedup();
    for dir in &dirs {
        fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
    }
    run_ordered(
        files.len(),
        thread_count(threads, files.len()),
        u64::MAX,
        &|_| 0,
        &|i| copy_file(files[i], &tmp.path().join(&files[i].rel)),
        &mut |_, ()| Ok(()),
    )?;
    report.files = files.len() as u64;
    report.bytes = files.iter().map(|f| f.size).sum();

    // Temporary directories are created 0700.
    set_mode(tmp.path(), 0o755)?;
    let tmp = tmp.keep();
    // One rename, which on Unix replaces an empty `output` atomically; where
    // it cannot (Windows), remove the empty directory first.
    let result = fs::rename(&tmp, output).or_else(|error| match fs::symlink_metadata(output) {
        Ok(meta) if meta.is_dir() => {
            fs::remove_dir(output).map_err(|_| error)?;
            fs::rename(&tmp, output)
        }
        _ => Err(error),
    });
    result.map_err(|e| {
        let _ = fs::remove_dir_all(&tmp);
        io_err("write", output)(e)
    })?;
    Ok(report)
}

fn copy_file(file: &TreeFile, dest: &Path) -> Result<(), ArchiveError> {
    fs::copy(&file.abs, dest).map_err(io_err("copy", &file.abs))?;
    set_mode(dest, normalized_mode(file.executable))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tree::test_tree as tree;

    #[test]
    fn merges_trees() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tree(
            &tmp.path().join("a"),
            &[
                ("site-packages/a.py", "a"),
                ("site-packages/nv/__init__.py", ""),
                ("bin/a", "#!"),
            ],
        );
        let b = tree(
            &tmp.path().join("b"),
            &[
                ("site-packages/b.py", "b"),
                ("site-packages/nv/__init__.py", ""),
            ],
        );
        let out = tmp.path().join("venv");
        fs::create_dir(&out).unwrap();
        let report = merge_venv(&[("a".into(), a), ("b".into(), b)], &out, 2).unwrap();
        assert_eq!(
            report,
            VenvReport {
                files: 4,
                bytes: 4,
                duplicate_files: 1
            }
        );
        assert_eq!(
            fs::read_to_string(out.join("site-packages/b.py")).unwrap(),
            "b"
        );
        assert!(out.join("bin/a").is_file());
    }

    #[test]
    fn names_that_differ_only_in_case_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tree(&tmp.path().join("a"), &[("site-packages/Foo.py", "1")]);
        let b = tree(&tmp.path().join("b"), &[("site-packages/foo.py", "1")]);
        let out = tmp.path().join("venv");
        let err = merge_venv(&[("a".into(), a), ("b".into(), b)], &out, 2).unwrap_err();
        insta::assert_snapshot!(err, @r#"
            `site-packages/Foo.py` in package `a` and `site-packages/foo.py` in package `b` differ only in case: one path on a case-insensitive file system (macOS, Windows), where one would replace the other
            hint: nothing was written; drop or exclude one of them
            "#);
        assert!(!out.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 2);
    }

    #[test]
    fn conflict_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tree(&tmp.path().join("a"), &[("site-packages/x.py", "1")]);
        let b = tree(&tmp.path().join("b"), &[("site-packages/x.py", "2")]);
        let out = tmp.path().join("venv");
        let err = merge_venv(&[("a".into(), a), ("b".into(), b)], &out, 2).unwrap_err();
        insta::assert_snapshot!(err, @r"
        conflicting files at `site-packages/x.py` in the venv: package `a` and package `b` provide different content
        hint: nothing was written; drop one of the packages from the venv
        ");
        assert!(!out.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_linked_twice_is_copied_twice() {
        // Issue 7: the second link's files used to be dropped silently.
        let tmp = tempfile::tempdir().unwrap();
        let a = tree(&tmp.path().join("a"), &[("site-packages/real/x.py", "x")]);
        std::os::unix::fs::symlink(a.join("site-packages/real"), a.join("site-packages/one"))
            .unwrap();
        std::os::unix::fs::symlink(a.join("site-packages/real"), a.join("site-packages/two"))
            .unwrap();
        let out = tmp.path().join("venv");
        let report = merge_venv(&[("a".into(), a)], &out, 2).unwrap();
        assert_eq!(report.files, 3);
        for dir in ["real", "one", "two"] {
            let path = out.join("site-packages").join(dir).join("x.py");
            assert_eq!(
                fs::read_to_string(&path).unwrap(),
                "x",
                "{}",
                path.display()
            );
            assert!(!fs::symlink_metadata(out.join("site-packages").join(dir))
                .unwrap()
                .is_symlink());
        }
    }

    #[test]
    fn file_in_one_package_directory_in_another() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tree(&tmp.path().join("a"), &[("site-packages/x", "file")]);
        let b = tree(&tmp.path().join("b"), &[("site-packages/x/y.py", "")]);
        let out = tmp.path().join("venv");
        let err = merge_venv(&[("a".into(), a), ("b".into(), b)], &out, 2).unwrap_err();
        insta::assert_snapshot!(err, @r"
        `site-packages/x` is a file in package `a`, but package `b` has `site-packages/x/y.py` inside it: a path cannot be both a file and a directory
        hint: nothing was written; drop or exclude one of them
        ");
        assert!(!out.exists());
    }
}

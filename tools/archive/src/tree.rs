//! Walking installed trees and writing outputs atomically.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::data::same_bytes;
use crate::error::io_err;
use crate::zipout::MAX_NAME_BYTES;
use crate::ArchiveError;

/// The most files and directories one walk visits: bounds a tree whose
/// symbolic links reach the same directories over and over.
pub(crate) const MAX_TREE_ENTRIES: u64 = 10_000_000;

/// A regular file found below a tree root.
#[derive(Debug, Clone)]
pub(crate) struct TreeFile {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    pub abs: PathBuf,
    pub size: u64,
    pub executable: bool,
}

/// Lists the regular files below `root`, sorted by relative path. Symbolic
/// links are followed (Bazel's sandbox presents inputs as symlinks): a
/// directory reached through two links is listed under both paths, and a
/// link to a directory that contains it (a cycle) is an error.
pub(crate) fn walk_files(root: &Path) -> Result<Vec<TreeFile>, ArchiveError> {
    let mut out = Vec::new();
    let root_meta = fs::metadata(root).map_err(io_err("read", root))?;
    // (directory, its relative path, the identities of it and its ancestors)
    let mut stack = vec![(
        root.to_path_buf(),
        String::new(),
        vec![dir_identity(root, &root_meta)],
    )];
    let mut visited: u64 = 0;
    while let Some((dir, rel_dir, ancestors)) = stack.pop() {
        for entry in fs::read_dir(&dir).map_err(io_err("read directory", &dir))? {
            visited += 1;
            if visited > MAX_TREE_ENTRIES {
                return Err(ArchiveError::TooManyFiles {
                    root: root.to_path_buf(),
                    limit: MAX_TREE_ENTRIES,
                });
            }
            let entry = entry.map_err(io_err("read directory", &dir))?;
            let abs = entry.path();
            let name = entry
                .file_name()
                .into_string()
                .map_err(|_| ArchiveError::NonUtf8Path { path: abs.clone() })?;
            let rel = if rel_dir.is_empty() {
                name
            } else {
                format!("{rel_dir}/{name}")
            };
            // `metadata` follows symlinks; a dangling link is an error.
            let meta = fs::metadata(&abs).map_err(io_err("read", &abs))?;
            if meta.is_dir() {
                let id = dir_identity(&abs, &meta);
                if ancestors.contains(&id) {
                    return Err(ArchiveError::SymlinkCycle { path: abs });
                }
                let mut below = ancestors.clone();
                below.push(id);
                stack.push((abs, rel, below));
            } else if meta.is_file() {
                out.push(TreeFile {
                    rel,
                    size: meta.len(),
                    executable: is_executable(&meta),
                    abs,
                });
            }
            // Sockets, fifos and devices have no place in a package: skipped.
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// The first path of `paths` that is a file where another path of `paths`
/// needs a directory (`x` and `x/y.py`): `(file, inside)`. An archive with
/// both does not extract, and a tree cannot hold both.
pub(crate) fn file_directory_conflict<'a>(
    paths: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<(&'a str, &'a str)> {
    let files: HashSet<&str> = paths.clone().into_iter().collect();
    let mut found: BTreeMap<&str, &str> = BTreeMap::new();
    for path in paths {
        for (end, _) in path.match_indices('/') {
            if files.contains(&path[..end]) {
                found.entry(&path[..end]).or_insert(path);
            }
        }
    }
    found.into_iter().next()
}

/// Whether two files have the same content, compared in chunks.
pub(crate) fn same_content(a: &TreeFile, b: &TreeFile) -> Result<bool, ArchiveError> {
    if a.size != b.size {
        return Ok(false);
    }
    let mut x = fs::File::open(&a.abs).map_err(io_err("read", &a.abs))?;
    let mut y = fs::File::open(&b.abs).map_err(io_err("read", &b.abs))?;
    same_bytes(&mut x, &mut y).map_err(io_err("read", &a.abs))
}

#[cfg(unix)]
fn dir_identity(_dir: &Path, meta: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn dir_identity(dir: &Path, _meta: &fs::Metadata) -> PathBuf {
    fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

#[cfg(unix)]
pub(crate) fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
pub(crate) fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

/// Writes `output` through a temporary file in the same directory, renamed
/// into place only when `write` succeeds.
pub(crate) fn write_atomically<T>(
    output: &Path,
    write: impl FnOnce(&mut fs::File) -> Result<T, ArchiveError>,
) -> Result<T, ArchiveError> {
    let dir = parent_dir(output);
    let mut tmp = tempfile::Builder::new()
        .prefix(".ofiuco-tmp")
        .tempfile_in(dir)
        .map_err(io_err("create a temporary file in", dir))?;
    let value = write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(io_err("write", output))?;
    // Temporary files are created 0600; outputs are ordinary files.
    set_mode(tmp.path(), 0o644)?;
    tmp.persist(output)
        .map_err(|e| io_err("write", output)(e.error))?;
    Ok(value)
}

#[cfg(unix)]
pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<(), ArchiveError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_err("write", path))
}

#[cfg(not(unix))]
pub(crate) fn set_mode(_path: &Path, _mode: u32) -> Result<(), ArchiveError> {
    Ok(())
}

pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Checks that `path` is a safe relative archive path: no empty, `.` or
/// `..` components, not absolute, no backslashes or NUL, short enough for a
/// zip.
pub(crate) fn check_archive_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("the path is empty");
    }
    if path.len() > MAX_NAME_BYTES {
        return Err("the path is longer than 65535 bytes, the most a zip can hold");
    }
    if path.contains('\0') {
        return Err("the path contains a NUL character");
    }
    if path.starts_with('/') {
        return Err("the path is absolute");
    }
    if path.contains('\\') {
        return Err("the path contains a backslash");
    }
    if path.ends_with('/') {
        return Err("the path names a directory");
    }
    for part in path.split('/') {
        match part {
            "" => return Err("the path has an empty component"),
            "." | ".." => return Err("the path has a `.` or `..` component"),
            _ => {}
        }
    }
    Ok(())
}

/// Test fixture: writes `files` (path, content) below `dir` and returns `dir`.
#[cfg(test)]
pub(crate) fn test_tree(dir: &Path, files: &[(&str, &str)]) -> std::path::PathBuf {
    for (path, content) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_paths() {
        assert_eq!(check_archive_path("a/b.py"), Ok(()));
        assert!(check_archive_path("../a").is_err());
        assert!(check_archive_path("/a").is_err());
        assert!(check_archive_path("a//b").is_err());
        assert!(check_archive_path("a/./b").is_err());
        assert!(check_archive_path("a\\b").is_err());
        assert!(check_archive_path("").is_err());
    }

    #[test]
    fn file_and_directory_at_one_path() {
        assert_eq!(file_directory_conflict(["a", "a-1", "b/c"]), None);
        assert_eq!(
            file_directory_conflict(["x", "x-1/y", "x/y.py", "x/z/w.py"]),
            Some(("x", "x/y.py"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn directories_reached_twice_are_listed_twice_and_cycles_refused() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let root = test_tree(
            &tmp.path().join("t"),
            &[("real/a.py", "a"), ("real/sub/b.py", "b")],
        );
        symlink(root.join("real"), root.join("one")).unwrap();
        symlink(root.join("real"), root.join("two")).unwrap();
        let rels: Vec<String> = walk_files(&root)
            .unwrap()
            .into_iter()
            .map(|f| f.rel)
            .collect();
        assert_eq!(
            rels,
            [
                "one/a.py",
                "one/sub/b.py",
                "real/a.py",
                "real/sub/b.py",
                "two/a.py",
                "two/sub/b.py"
            ]
        );
        symlink("..", root.join("real/sub/up")).unwrap();
        let err = walk_files(&root).unwrap_err().to_string();
        let err = err.replace(&tmp.path().display().to_string(), "[TMP]");
        assert!(
            err.starts_with("`[TMP]/t/")
                && err.contains("/sub/up` is a symbolic link to a directory that contains it"),
            "{err}"
        );
    }
}

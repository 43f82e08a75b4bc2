//! Paths that collide where case is ignored.
//!
//! macOS (APFS, HFS+) and Windows (NTFS) file systems ignore case by
//! default: `Foo.py` and `foo.py` are one file there, so a tree or an archive
//! with both installs or extracts differently than on Linux (one silently
//! replaces the other). ofiuco refuses such pairs in `install`, `venv`,
//! `fragment` and `zip`: a build must give the same tree on every host (a
//! remote cache shares outputs between them), and a Lambda zip must extract
//! alike everywhere.

use std::collections::HashMap;

/// How a path is compared where case is ignored (Unicode lowercase).
fn fold(path: &str) -> String {
    if path.is_ascii() {
        path.to_ascii_lowercase()
    } else {
        path.to_lowercase()
    }
}

/// The first pair of `paths` (file paths, `/`-separated) that differ but
/// are one path where case is ignored: two files (`Foo.py`, `foo.py`), or a
/// file where the other needs a directory (`Foo` and `foo/x.py`). Exact
/// duplicates, and a file and directory of exactly the same name, are not
/// reported here. Linear in the total length of the paths.
pub fn case_collision<'a, I>(paths: I) -> Option<(&'a str, &'a str)>
where
    I: IntoIterator<Item = &'a str>,
    I::IntoIter: Clone,
{
    let paths = paths.into_iter();
    let mut files: HashMap<String, &str> = HashMap::new();
    for path in paths.clone() {
        match files.get(&fold(path)) {
            Some(&other) if other != path => return Some((other, path)),
            Some(_) => {}
            None => {
                files.insert(fold(path), path);
            }
        }
    }
    for path in paths {
        let mut folded = String::with_capacity(path.len());
        for (i, component) in path.split('/').enumerate() {
            if i > 0 {
                folded.push('/');
            }
            let dir_end = folded.len();
            folded.push_str(&fold(component));
            // `folded[..dir_end - 1]` is the folded parent directory.
            if dir_end == 0 {
                continue;
            }
            let dir = &path[..path_prefix_len(path, i)];
            if let Some(&file) = files.get(&folded[..dir_end - 1]) {
                if file != dir {
                    return Some((file, path));
                }
            }
        }
    }
    None
}

/// The byte length of the first `components` components of `path`.
fn path_prefix_len(path: &str, components: usize) -> usize {
    path.match_indices('/')
        .nth(components - 1)
        .map_or(path.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::case_collision;

    #[test]
    fn finds_pairs_that_differ_only_in_case() {
        assert_eq!(
            case_collision(["a/Foo.py", "a/foo.py"]),
            Some(("a/Foo.py", "a/foo.py"))
        );
        assert_eq!(
            case_collision(["A/x.py", "a/x.py"]),
            Some(("A/x.py", "a/x.py"))
        );
        // A file where the other needs a directory.
        assert_eq!(
            case_collision(["pkg/Data", "pkg/data/x.txt"]),
            Some(("pkg/Data", "pkg/data/x.txt"))
        );
        // Unicode case.
        assert_eq!(case_collision(["É.py", "é.py"]), Some(("É.py", "é.py")));
    }

    #[test]
    fn leaves_other_paths_alone() {
        assert_eq!(case_collision(["a/Foo.py", "a/foo.pyc", "b/foo.py"]), None);
        // Directories that differ in case merge; their files do not collide.
        assert_eq!(case_collision(["Foo/a.py", "foo/b.py"]), None);
        // Exact duplicates and exact file/directory clashes are other errors.
        assert_eq!(case_collision(["x", "x"]), None);
        assert_eq!(case_collision(["x", "x/y"]), None);
        assert_eq!(case_collision(Vec::<&str>::new()), None);
    }
}

//! `ofiuco fragment`: pack one installed package tree into a compressed zip.
//!
//! A fragment holds the files below `<tree>/site-packages` (paths relative to
//! it), sorted by path, compressed with deflate, with fixed timestamps and
//! normalized modes and no extra fields: exactly the entries that
//! [`crate::assemble`] copies, compressed bytes and all, into a Lambda zip.
//! Its zip comment names the package (`ofiuco-fragment/1 package=NAME`).

use std::collections::BTreeMap;
use std::io::{BufWriter, Cursor};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::elf::{self, machine_name, ElfCheck, ElfProblem, GlibcVersion};
use crate::error::{io_err, zip_err};
use crate::tree::{compress_entry, read_file, walk_files, write_atomically, TreeFile};
use crate::{ArchiveError, FRAGMENT_COMMENT_PREFIX};

/// Deflate level of fragments. Level 6 (zlib's default) is within ~1 % of
/// level 9 in size on wheels such as numpy and scipy at about half its time;
/// level 1 is ~10 % larger. Fragments are built once per package and cached.
pub const DEFAULT_LEVEL: i64 = 6;

/// What to pack.
#[derive(Debug, Clone)]
pub struct FragmentOptions {
    /// The package name, recorded in the fragment and in error messages.
    pub package: String,
    /// Installed trees (outputs of `ofiuco install`); their files are merged.
    pub trees: Vec<PathBuf>,
    /// The directory of each tree whose content is packed; empty for all.
    pub strip_prefix: String,
    /// Optional CPU / glibc checks of every ELF file.
    pub check: ElfCheck,
    /// Deflate level, 0 (store) to 9.
    pub level: i64,
    /// Worker threads; 0 uses the available parallelism.
    pub threads: usize,
}

impl FragmentOptions {
    pub fn new(package: impl Into<String>, trees: Vec<PathBuf>) -> Self {
        FragmentOptions {
            package: package.into(),
            trees,
            strip_prefix: "site-packages".into(),
            check: ElfCheck::default(),
            level: DEFAULT_LEVEL,
            threads: 0,
        }
    }
}

/// The JSON written by `--manifest-out`: what a fragment holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FragmentManifest {
    /// Always `ofiuco-fragment/1`.
    pub format: String,
    pub package: String,
    pub files: u64,
    /// Sum of the entries' sizes.
    pub unzipped_bytes: u64,
    /// Sum of the entries' compressed sizes (without zip headers).
    pub zipped_bytes: u64,
    /// ELF files seen by the checks (only filled when a check was asked for).
    pub elf: Option<ElfSummary>,
    pub entries: Vec<ManifestEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElfSummary {
    pub files: u64,
    /// The highest `GLIBC_2.X` any ELF file needs, e.g. `"2.17"`.
    pub max_glibc: Option<String>,
    /// The file (path inside the fragment) that needs `max_glibc`.
    pub max_glibc_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub size: u64,
    pub crc32: u32,
    pub compressed_size: u64,
    /// `"deflate"` or `"store"`.
    pub method: String,
    /// `0o644` or `0o755`, as a number.
    pub mode: u32,
}

struct Packed {
    zip: Vec<u8>,
    elf: Option<elf::ElfInfo>,
}

/// Packs the trees of `opts` into the fragment `output` and returns its
/// manifest. Nothing is written on error.
pub fn pack_fragment(
    opts: &FragmentOptions,
    output: &Path,
) -> Result<FragmentManifest, ArchiveError> {
    let files = collect(opts)?;
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, files.len().max(1));

    write_atomically(output, |file| {
        let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
        zip.set_comment(format!("{FRAGMENT_COMMENT_PREFIX}{}", opts.package));
        let mut manifest = FragmentManifest {
            format: "ofiuco-fragment/1".into(),
            package: opts.package.clone(),
            files: 0,
            unzipped_bytes: 0,
            zipped_bytes: 0,
            elf: opts.check.is_enabled().then_some(ElfSummary {
                files: 0,
                max_glibc: None,
                max_glibc_file: None,
            }),
            entries: Vec::with_capacity(files.len()),
        };
        let mut max_glibc: Option<GlibcVersion> = None;
        let mut add = |index: usize, packed: Packed| -> Result<(), ArchiveError> {
            let path = &files[index].rel;
            let mut archive =
                ZipArchive::new(Cursor::new(packed.zip)).map_err(zip_err("pack", output))?;
            let entry = archive.by_index_raw(0).map_err(zip_err("pack", output))?;
            manifest.entries.push(ManifestEntry {
                path: path.clone(),
                size: entry.size(),
                crc32: entry.crc32(),
                compressed_size: entry.compressed_size(),
                method: match entry.compression() {
                    CompressionMethod::Stored => "store".into(),
                    _ => "deflate".into(),
                },
                mode: entry.unix_mode().unwrap_or(0o644) & 0o777,
            });
            manifest.files += 1;
            manifest.unzipped_bytes += entry.size();
            manifest.zipped_bytes += entry.compressed_size();
            zip.raw_copy_file(entry).map_err(zip_err("write", output))?;
            if let (Some(summary), Some(info)) = (manifest.elf.as_mut(), packed.elf) {
                summary.files += 1;
                if let Some(need) = info.glibc {
                    if max_glibc.is_none_or(|v| need.version > v) {
                        max_glibc = Some(need.version);
                        summary.max_glibc = Some(need.version.to_string());
                        summary.max_glibc_file = Some(path.clone());
                    }
                }
            }
            Ok(())
        };
        run_ordered(
            files.len(),
            threads,
            |i| pack_one(opts, &files[i]),
            &mut add,
        )?;
        let writer = zip.finish().map_err(zip_err("write", output))?;
        writer
            .into_inner()
            .map_err(|e| io_err("write", output)(e.into_error()))?;
        Ok(manifest)
    })
}

/// Lists the files of all trees below the prefix, merging identical
/// duplicates and refusing different ones.
fn collect(opts: &FragmentOptions) -> Result<Vec<TreeFile>, ArchiveError> {
    let mut merged: BTreeMap<String, (TreeFile, usize)> = BTreeMap::new();
    for (index, tree) in opts.trees.iter().enumerate() {
        let root = if opts.strip_prefix.is_empty() {
            tree.clone()
        } else {
            tree.join(&opts.strip_prefix)
        };
        if !root.is_dir() {
            return Err(ArchiveError::MissingPrefix {
                tree: tree.clone(),
                prefix: opts.strip_prefix.clone(),
            });
        }
        for file in walk_files(&root)? {
            match merged.get(&file.rel) {
                None => {
                    merged.insert(file.rel.clone(), (file, index));
                }
                Some((first, first_index)) => {
                    if !same_content(first, &file)? {
                        return Err(ArchiveError::TreeConflict {
                            package: opts.package.clone(),
                            path: file.rel.clone(),
                            first: opts.trees[*first_index].clone(),
                            second: tree.clone(),
                        });
                    }
                }
            }
        }
    }
    Ok(merged.into_values().map(|(file, _)| file).collect())
}

pub(crate) fn same_content(a: &TreeFile, b: &TreeFile) -> Result<bool, ArchiveError> {
    Ok(a.size == b.size && read_file(&a.abs)? == read_file(&b.abs)?)
}

fn pack_one(opts: &FragmentOptions, file: &TreeFile) -> Result<Packed, ArchiveError> {
    let data = read_file(&file.abs)?;
    let elf = if opts.check.is_enabled() && elf::is_elf(&data) {
        let info = elf::inspect(&data).map_err(|e| ArchiveError::ElfParse {
            package: opts.package.clone(),
            path: file.rel.clone(),
            message: e.to_string(),
        })?;
        elf::check(&info, &opts.check).map_err(|problem| match problem {
            ElfProblem::Machine { found, expected } => ArchiveError::ElfMachine {
                package: opts.package.clone(),
                path: file.rel.clone(),
                found: machine_name(found),
                expected: expected.to_string(),
            },
            ElfProblem::Glibc { need, ceiling } => ArchiveError::ElfGlibc {
                package: opts.package.clone(),
                path: file.rel.clone(),
                needed: need.version,
                requirement: need.describe(),
                ceiling,
            },
        })?;
        Some(info)
    } else {
        None
    };
    let zip = compress_entry(&file.rel, &data, file.executable, opts.level)
        .map_err(zip_err("compress", &file.abs))?;
    Ok(Packed { zip, elf })
}

/// Runs `work(0..n)` on `threads` workers and hands the results to `sink`
/// in index order. The first error in index order is returned, so errors
/// are deterministic; the workers stop soon after.
pub(crate) fn run_ordered<T: Send>(
    n: usize,
    threads: usize,
    work: impl Fn(usize) -> Result<T, ArchiveError> + Sync,
    sink: &mut dyn FnMut(usize, T) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    if threads <= 1 {
        for i in 0..n {
            sink(i, work(i)?)?;
        }
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<(usize, Result<T, ArchiveError>)>(threads * 2);
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, stop, work) = (&next, &stop, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || stop.load(Ordering::Relaxed) {
                    break;
                }
                if tx.send((i, work(i))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut expected = 0;
        let result = (|| {
            for (i, result) in rx.iter() {
                pending.insert(i, result);
                while let Some(result) = pending.remove(&expected) {
                    sink(expected, result?)?;
                    expected += 1;
                }
            }
            Ok(())
        })();
        stop.store(true, Ordering::Relaxed);
        drop(rx);
        result
    })
}

/// Reads the package name from a fragment's zip comment.
pub(crate) fn fragment_package(comment: &[u8]) -> Option<String> {
    let comment = std::str::from_utf8(comment).ok()?;
    comment
        .strip_prefix(FRAGMENT_COMMENT_PREFIX)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::io::Read;

    use super::*;

    use crate::tree::test_tree as tree;

    #[test]
    fn packs_site_packages_sorted_and_normalized() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tree(
            &tmp.path().join("t"),
            &[
                ("site-packages/pkg/b.py", "b = 1\n"),
                ("site-packages/pkg/a.py", &"a = 1\n".repeat(100)),
                ("site-packages/pkg-1.0.dist-info/RECORD", ""),
                ("bin/tool", "#!/bin/sh\n"),
            ],
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = t.join("site-packages/pkg/b.py");
            fs::set_permissions(&p, fs::Permissions::from_mode(0o700)).unwrap();
        }
        let out = tmp.path().join("pkg.zip");
        let manifest = pack_fragment(&FragmentOptions::new("pkg", vec![t]), &out).unwrap();
        let paths: Vec<_> = manifest.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["pkg-1.0.dist-info/RECORD", "pkg/a.py", "pkg/b.py"]);
        assert_eq!(manifest.entries[0].method, "store");
        assert_eq!(manifest.entries[1].method, "deflate");
        assert_eq!(manifest.unzipped_bytes, 606);

        let mut archive = ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
        assert_eq!(fragment_package(archive.comment()), Some("pkg".to_string()));
        for i in 0..archive.len() {
            let file = archive.by_index(i).unwrap();
            assert_eq!(file.last_modified(), Some(crate::fixed_time()));
            assert!(file.extra_data().is_none_or(|d| d.is_empty()));
        }
        let mut b = archive.by_name("pkg/b.py").unwrap();
        assert_eq!(b.unix_mode().unwrap() & 0o777, 0o755);
        let mut text = String::new();
        b.read_to_string(&mut text).unwrap();
        assert_eq!(text, "b = 1\n");
    }

    #[test]
    fn trees_merge_and_conflict() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tree(
            &tmp.path().join("a"),
            &[("site-packages/x/__init__.py", "")],
        );
        let b = tree(
            &tmp.path().join("b"),
            &[
                ("site-packages/x/__init__.py", ""),
                ("site-packages/y.py", ""),
            ],
        );
        let c = tree(&tmp.path().join("c"), &[("site-packages/y.py", "other")]);
        let out = tmp.path().join("f.zip");
        let opts = FragmentOptions::new("x", vec![a.clone(), b.clone()]);
        assert_eq!(pack_fragment(&opts, &out).unwrap().files, 2);

        let opts = FragmentOptions::new("x", vec![b, c]);
        let err = pack_fragment(&opts, &tmp.path().join("g.zip")).unwrap_err();
        let text = err
            .to_string()
            .replace(&tmp.path().display().to_string(), "[TMP]");
        insta::assert_snapshot!(text, @r"
        package `x`: `y.py` differs between tree `[TMP]/b` and tree `[TMP]/c`
        hint: each path may come from one tree only, or from several with identical content
        ");
        assert!(!tmp.path().join("g.zip").exists());
    }

    #[test]
    fn missing_site_packages() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tree(&tmp.path().join("t"), &[("bin/x", "")]);
        let err = pack_fragment(
            &FragmentOptions::new("x", vec![t]),
            &tmp.path().join("f.zip"),
        )
        .unwrap_err();
        assert!(matches!(err, ArchiveError::MissingPrefix { .. }));
    }

    #[test]
    fn ordered_runner_reports_first_error_in_order() {
        let mut seen = Vec::new();
        let result = run_ordered(
            100,
            2,
            |i| {
                if i == 50 || i == 70 {
                    Err(ArchiveError::NotAFragment {
                        path: PathBuf::from(i.to_string()),
                    })
                } else {
                    Ok(i)
                }
            },
            &mut |i, v| {
                assert_eq!(i, v);
                seen.push(i);
                Ok(())
            },
        );
        assert!(
            matches!(result, Err(ArchiveError::NotAFragment { path }) if path == Path::new("50"))
        );
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
    }
}

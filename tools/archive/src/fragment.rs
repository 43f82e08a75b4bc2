//! `ofiuco fragment`: pack one installed package tree into a compressed zip.
//!
//! A fragment holds the files below `<tree>/site-packages` (paths relative to
//! it), sorted by path, compressed with deflate, with fixed timestamps and
//! normalized modes and no extra fields (but zip64 ones): the entries whose
//! compressed bytes [`crate::assemble`] copies into a Lambda zip. Its zip
//! comment names the package and carries a CRC-32 of the fragment before its
//! end records (`ofiuco-fragment/2 crc32=XXXXXXXX package=NAME`), which
//! `assemble` checks.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::data::{
    self, compress_bytes, compress_file, CompressError, Compressed, CrcWriter, Data,
};
use crate::elf::{self, machine_name, ElfCheck, ElfProblem, GlibcVersion};
use crate::error::io_err;
use crate::pipeline::{run_ordered, thread_count};
use crate::text::shown_path;
use ofiuco_spec::paths::case_collision;

use crate::tree::{file_directory_conflict, parent_dir, walk_files, write_atomically, TreeFile};
use crate::zipout::{too_long, EntryMeta, ZipOut, MAX_NAME_BYTES};
use crate::{ArchiveError, FRAGMENT_COMMENT_V1, FRAGMENT_COMMENT_V2};

/// Deflate level of fragments. Level 6 (zlib's default) is within ~1 % of
/// level 9 in size on wheels such as numpy and scipy at about half its time;
/// level 1 is ~10 % larger. Fragments are built once per package and cached.
pub const DEFAULT_LEVEL: i64 = 6;
/// Compressed files waiting to be written (and files being compressed in
/// memory) add up to at most this many bytes, or one file alone.
pub(crate) const MEMORY_BUDGET: u64 = 64 << 20;
/// What a file streamed through a spool file costs in memory.
const STREAM_COST: u64 = data::CHUNK as u64;
/// ELF files are parsed from memory; bigger ones are refused.
pub const MAX_ELF_BYTES: u64 = 4 << 30;

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

impl FragmentManifest {
    /// An empty manifest for `package`, with an ELF summary when `elf_checked`.
    pub(crate) fn empty(package: &str, elf_checked: bool, capacity: usize) -> Self {
        FragmentManifest {
            format: "ofiuco-fragment/1".into(),
            package: package.to_owned(),
            files: 0,
            unzipped_bytes: 0,
            zipped_bytes: 0,
            elf: elf_checked.then_some(ElfSummary {
                files: 0,
                max_glibc: None,
                max_glibc_file: None,
            }),
            entries: Vec::with_capacity(capacity),
        }
    }
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
    compressed: Compressed,
    /// The source, for a stored entry whose data is copied from it.
    source: File,
    elf: Option<elf::ElfInfo>,
}

/// Packs the trees of `opts` into the fragment `output` and returns its
/// manifest. Nothing is written on error.
///
/// Files are compressed by `opts.threads` workers and written in path order.
/// Small files are compressed in memory, big ones through an unnamed spool
/// file beside the output, and waiting results are bounded by a
/// 64 MiB budget: peak memory follows the largest file (ELF files are
/// parsed whole, one big one at a time), not the tree.
pub fn pack_fragment(
    opts: &FragmentOptions,
    output: &Path,
) -> Result<FragmentManifest, ArchiveError> {
    let files = collect(opts)?;
    let comment = |crc: u32| format!("{FRAGMENT_COMMENT_V2}{crc:08x} package={}", opts.package);
    if comment(0).len() > MAX_NAME_BYTES {
        return Err(io_err("write", output)(too_long("the package name")));
    }
    // The paths that `zip` accepts, checked here so that a fragment is never
    // written that `zip` refuses: a file name with a backslash (legal on
    // Linux, written so by `install` like pip does) is a separator to zip
    // readers (APPNOTE 4.4.17: forward slashes only).
    for file in &files {
        crate::tree::check_archive_path(&file.rel).map_err(|reason| {
            ArchiveError::InvalidArchivePath {
                path: file.rel.clone(),
                owner: format!("package `{}`", crate::text::shown(&opts.package)),
                reason: if file.rel.contains('\\') {
                    "the file name contains a backslash, which zip readers take for a directory separator\n\
                     hint: nothing was written; the wheel holds a Windows path as a file name: use another release of the package, or report it to its authors"
                } else {
                    reason
                },
            }
        })?;
    }
    let threads = thread_count(opts.threads, files.len());
    let spool_dir = parent_dir(output);
    // Big ELF files are read whole to be checked: one at a time.
    let big_elf = Mutex::new(());

    write_atomically(output, |file| {
        let mut zip = ZipOut::new(CrcWriter::new(BufWriter::with_capacity(data::CHUNK, file)));
        let mut manifest =
            FragmentManifest::empty(&opts.package, opts.check.is_enabled(), files.len());
        let mut max_glibc: Option<GlibcVersion> = None;
        let mut buf = vec![0u8; data::CHUNK];
        let mut add = |index: usize, packed: Packed| -> Result<(), ArchiveError> {
            let tree_file = &files[index];
            let c = &packed.compressed;
            let meta = EntryMeta {
                name: &tree_file.rel,
                method: c.method,
                crc32: c.crc32,
                compressed_size: c.compressed_size,
                size: c.size,
                executable: tree_file.executable,
            };
            let mut changed = false;
            zip.add(&meta, |out| match &c.data {
                Data::Memory(bytes) => out.write_all(bytes).map(|()| bytes.len() as u64),
                Data::Spool(spool) => data::copy_range(spool, 0, c.compressed_size, out, &mut buf),
                Data::Source => data::copy_source(&packed.source, c.size, c.crc32, out, &mut buf)
                    .map_err(|e| match e {
                        CompressError::Io(e) => e,
                        CompressError::Changed => {
                            changed = true;
                            std::io::Error::other("changed")
                        }
                    }),
            })
            .map_err(|e| {
                if changed {
                    ArchiveError::FileChanged {
                        path: tree_file.abs.clone(),
                    }
                } else {
                    io_err("write", output)(e)
                }
            })?;
            manifest.entries.push(ManifestEntry {
                path: tree_file.rel.clone(),
                size: c.size,
                crc32: c.crc32,
                compressed_size: c.compressed_size,
                method: c.method.manifest_name().into(),
                mode: crate::normalized_mode(tree_file.executable),
            });
            manifest.files += 1;
            manifest.unzipped_bytes = manifest.unzipped_bytes.saturating_add(c.size);
            manifest.zipped_bytes = manifest.zipped_bytes.saturating_add(c.compressed_size);
            if let (Some(summary), Some(info)) = (manifest.elf.as_mut(), packed.elf) {
                summary.files += 1;
                if let Some(need) = info.glibc {
                    if max_glibc.is_none_or(|v| need.version > v) {
                        max_glibc = Some(need.version);
                        summary.max_glibc = Some(need.version.to_string());
                        summary.max_glibc_file = Some(tree_file.rel.clone());
                    }
                }
            }
            Ok(())
        };
        let cost = |i: usize| {
            let size = files[i].size;
            if size <= data::IN_MEMORY_MAX {
                size
            } else {
                STREAM_COST
            }
        };
        run_ordered(
            files.len(),
            threads,
            MEMORY_BUDGET,
            &cost,
            &|i| pack_one(opts, &files[i], spool_dir, &big_elf),
            &mut add,
        )?;
        let (writer, _) = zip
            .finish_with(|out| comment(out.crc.sum()).into_bytes())
            .map_err(io_err("write", output))?;
        writer
            .inner
            .into_inner()
            .map_err(|e| io_err("write", output)(e.into_error()))?
            .flush()
            .map_err(io_err("write", output))?;
        Ok(manifest)
    })
}

/// Lists the files of all trees below the prefix, merging identical
/// duplicates and refusing different ones, and a file in one tree where
/// another has a directory.
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
                    if !crate::tree::same_content(first, &file)? {
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
    let owner = |path: &str| format!("tree `{}`", shown_path(&opts.trees[merged[path].1]));
    if let Some((first, second)) = case_collision(merged.keys().map(String::as_str)) {
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
    Ok(merged.into_values().map(|(file, _)| file).collect())
}

fn pack_one(
    opts: &FragmentOptions,
    file: &TreeFile,
    spool_dir: &Path,
    big_elf: &Mutex<()>,
) -> Result<Packed, ArchiveError> {
    let source = File::open(&file.abs).map_err(io_err("read", &file.abs))?;
    let changed = || ArchiveError::FileChanged {
        path: file.abs.clone(),
    };
    let read_all = || -> Result<Vec<u8>, ArchiveError> {
        // `file.size` is at most `MAX_ELF_BYTES` or `IN_MEMORY_MAX` here.
        let mut data = Vec::with_capacity(file.size as usize);
        (&source)
            .take(file.size.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(io_err("read", &file.abs))?;
        if data.len() as u64 != file.size {
            return Err(changed());
        }
        Ok(data)
    };
    let compress_err = |e| match e {
        CompressError::Io(e) => io_err("compress", &file.abs)(e),
        CompressError::Changed => changed(),
    };
    if file.size <= data::IN_MEMORY_MAX {
        let data = read_all()?;
        let elf = check_elf(opts, file, &data)?;
        let compressed = compress_bytes(data, opts.level).map_err(io_err("compress", &file.abs))?;
        return Ok(Packed {
            compressed,
            source,
            elf,
        });
    }
    let mut elf = None;
    if opts.check.is_enabled() {
        let mut magic = [0u8; 4];
        let n = data::read_at(&source, &mut magic, 0).map_err(io_err("read", &file.abs))?;
        if elf::is_elf(&magic[..n]) {
            if file.size > MAX_ELF_BYTES {
                return Err(ArchiveError::ElfTooLarge {
                    package: opts.package.clone(),
                    path: file.rel.clone(),
                    size: file.size,
                    limit: MAX_ELF_BYTES,
                });
            }
            let _one = big_elf
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Only the parts the check reads; the whole file when its shape is unexpected.
            let mut read = |buf: &mut [u8], offset: u64| {
                let n = data::read_at(&source, buf, offset)?;
                if n == buf.len() {
                    Ok(())
                } else {
                    Err(std::io::ErrorKind::UnexpectedEof.into())
                }
            };
            let parts = match elf::read_parts(file.size, &mut read) {
                Ok(parts) => parts,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(changed()),
                Err(e) => return Err(io_err("read", &file.abs)(e)),
            };
            let data = match parts {
                Some(parts) => parts,
                None => read_all()?,
            };
            elf = check_elf(opts, file, &data)?;
        }
    }
    let compressed =
        compress_file(&source, file.size, opts.level, spool_dir).map_err(compress_err)?;
    Ok(Packed {
        compressed,
        source,
        elf,
    })
}

/// Checks `data` (the whole file) if it is an ELF file and checks are on.
fn check_elf(
    opts: &FragmentOptions,
    file: &TreeFile,
    data: &[u8],
) -> Result<Option<elf::ElfInfo>, ArchiveError> {
    check_elf_data(&opts.package, &file.rel, data, &opts.check)
}

/// Checks `data`, the whole of file `rel` of `package`, against `check` if
/// it is an ELF file and checks are on.
pub(crate) fn check_elf_data(
    package: &str,
    rel: &str,
    data: &[u8],
    check: &ElfCheck,
) -> Result<Option<elf::ElfInfo>, ArchiveError> {
    if !check.is_enabled() || !elf::is_elf(data) {
        return Ok(None);
    }
    let info = elf::inspect(data).map_err(|e| ArchiveError::ElfParse {
        package: package.to_string(),
        path: rel.to_string(),
        message: e.to_string(),
    })?;
    elf::check(&info, check).map_err(|problem| match problem {
        ElfProblem::Machine { found, expected } => ArchiveError::ElfMachine {
            package: package.to_string(),
            path: rel.to_string(),
            found: machine_name(found),
            expected: expected.to_string(),
        },
        ElfProblem::Glibc { need, ceiling } => ArchiveError::ElfGlibc {
            package: package.to_string(),
            path: rel.to_string(),
            needed: need.version,
            requirement: need.describe(),
            ceiling,
        },
    })?;
    Ok(Some(info))
}

/// What a fragment's zip comment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FragmentComment {
    pub package: String,
    /// The CRC-32 of the fragment before its end records; `None` for
    /// fragments of earlier releases.
    pub checksum: Option<u32>,
}

/// Reads a fragment's zip comment; `None` if the zip is not a fragment.
pub(crate) fn fragment_comment(comment: &[u8]) -> Option<FragmentComment> {
    let comment = std::str::from_utf8(comment).ok()?;
    if let Some(package) = comment.strip_prefix(FRAGMENT_COMMENT_V1) {
        return Some(FragmentComment {
            package: package.to_string(),
            checksum: None,
        });
    }
    let rest = comment.strip_prefix(FRAGMENT_COMMENT_V2)?;
    let (hex, package) = rest.split_at_checked(8)?;
    let package = package.strip_prefix(" package=")?;
    Some(FragmentComment {
        package: package.to_string(),
        checksum: Some(u32::from_str_radix(hex, 16).ok()?),
    })
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

        let mut archive = zip::ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
        let comment = fragment_comment(archive.comment()).unwrap();
        assert_eq!(comment.package, "pkg");
        // Of everything but the end record (22 bytes and the comment).
        let bytes = fs::read(&out).unwrap();
        let end = bytes.len() - 22 - archive.comment().len();
        assert_eq!(comment.checksum, Some(data::crc32(&bytes[..end])));
        for i in 0..archive.len() {
            let file = archive.by_index(i).unwrap();
            assert_eq!(file.last_modified(), Some(crate::fixed_time()));
            assert!(file.extra_data().is_none_or(<[u8]>::is_empty));
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

        let opts = FragmentOptions::new("x", vec![b.clone(), c]);
        let err = pack_fragment(&opts, &tmp.path().join("g.zip")).unwrap_err();
        let text = err
            .to_string()
            .replace(&tmp.path().display().to_string(), "[TMP]");
        insta::assert_snapshot!(text, @r"
        package `x`: `y.py` differs between tree `[TMP]/b` and tree `[TMP]/c`
        hint: each path may come from one tree only, or from several with identical content
        ");
        assert!(!tmp.path().join("g.zip").exists());

        // Two trees whose paths differ only in case.
        let d = tree(&tmp.path().join("d"), &[("site-packages/Y.py", "")]);
        let opts = FragmentOptions::new("x", vec![b, d]);
        let err = pack_fragment(&opts, &tmp.path().join("h.zip")).unwrap_err();
        let text = err
            .to_string()
            .replace(&tmp.path().display().to_string(), "[TMP]");
        insta::assert_snapshot!(text, @r#"
            `Y.py` in tree `[TMP]/d` and `y.py` in tree `[TMP]/b` differ only in case: one path on a case-insensitive file system (macOS, Windows), where one would replace the other
            hint: nothing was written; drop or exclude one of them
            "#);
        assert!(!tmp.path().join("h.zip").exists());
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
    fn file_in_one_tree_directory_in_another() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tree(&tmp.path().join("a"), &[("site-packages/x", "file")]);
        let b = tree(&tmp.path().join("b"), &[("site-packages/x/y.py", "")]);
        let out = tmp.path().join("f.zip");
        let err = pack_fragment(&FragmentOptions::new("x", vec![a, b]), &out).unwrap_err();
        let text = err
            .to_string()
            .replace(&tmp.path().display().to_string(), "[TMP]");
        insta::assert_snapshot!(text, @r"
        `x` is a file in tree `[TMP]/a`, but tree `[TMP]/b` has `x/y.py` inside it: a path cannot be both a file and a directory
        hint: nothing was written; drop or exclude one of them
        ");
        assert!(!out.exists());
    }

    #[test]
    fn a_backslash_in_a_file_name_is_refused() {
        // `install` writes `a\b.py` as one file name, like pip on Linux;
        // zip readers take the backslash for a separator (found by fuzzing).
        let tmp = tempfile::tempdir().unwrap();
        let t = tree(
            &tmp.path().join("t"),
            &[("site-packages/a\\b.py", ""), ("site-packages/ok.py", "")],
        );
        let out = tmp.path().join("f.zip");
        let err = pack_fragment(&FragmentOptions::new("x", vec![t]), &out).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @r"
        invalid archive path `a\\b.py` for package `x`: the file name contains a backslash, which zip readers take for a directory separator
        hint: nothing was written; the wheel holds a Windows path as a file name: use another release of the package, or report it to its authors
        ");
        assert!(!out.exists());
    }

    #[test]
    fn big_files_are_streamed() {
        // Above `IN_MEMORY_MAX`: compressed through a spool file.
        let tmp = tempfile::tempdir().unwrap();
        let line = "numbers = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]\n";
        let big: String = (0..(data::IN_MEMORY_MAX as usize / line.len() + 1000))
            .map(|i| {
                if i % 1000 == 0 {
                    format!("# {i}\n")
                } else {
                    line.to_string()
                }
            })
            .collect();
        let t = tree(&tmp.path().join("t"), &[("site-packages/big.py", &big)]);
        let out = tmp.path().join("f.zip");
        let manifest = pack_fragment(&FragmentOptions::new("big", vec![t.clone()]), &out).unwrap();
        assert_eq!(manifest.entries[0].method, "deflate");
        assert!(manifest.entries[0].compressed_size < big.len() as u64 / 50);
        let mut archive = zip::ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
        let mut text = String::new();
        archive
            .by_index(0)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert!(text == big);
        let again = tmp.path().join("g.zip");
        pack_fragment(&FragmentOptions::new("big", vec![t]), &again).unwrap();
        assert!(fs::read(&out).unwrap() == fs::read(&again).unwrap());
    }

    #[test]
    fn big_files_with_the_elf_magic_are_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let mut fake = b"\x7fELF".to_vec();
        fake.resize(data::IN_MEMORY_MAX as usize + 1, 0);
        let t = tmp.path().join("t");
        fs::create_dir_all(t.join("site-packages")).unwrap();
        fs::write(t.join("site-packages/lib.so"), &fake).unwrap();
        let mut opts = FragmentOptions::new("x", vec![t]);
        opts.check.cpu = Some(crate::Cpu::X86_64);
        let err = pack_fragment(&opts, &tmp.path().join("f.zip")).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "`lib.so` in package `x` starts with the ELF magic but cannot be parsed"
            ),
            "{err}"
        );
    }
}

//! `ofiuco fragment --wheel`: a fragment made straight from a wheel, without
//! installing it first and without recompressing it.
//!
//! A wheel is already a deflated zip. Its entries are checked as
//! `ofiuco install` checks them ([`ofiuco_install::CheckedWheel`]: unsafe
//! paths, links, duplicates, conflicts, bombs, RECORD rows), then each file's
//! compressed bytes are inflated once, streaming, to verify its size, CRC-32
//! and RECORD hash (and, when asked, to check an ELF file against the target),
//! and copied into the fragment as they are. The fragment holds what
//! `ofiuco fragment --tree` of the installed tree holds, file for file:
//!
//! * files of the wheel's root and of `.data/purelib` and `.data/platlib`
//!   (moved: a new name, the same compressed bytes), with the installed modes;
//! * `INSTALLER` and `RECORD` as `install` writes them (RECORD lists the
//!   files installed outside site-packages too, with the hashes of what
//!   `install` writes there, so scripts are read to hash their rewritten
//!   `#!python` line), deflated here;
//! * files the wheel stores uncompressed are deflated here (at
//!   [`crate::FragmentOptions::level`], stored when that saves nothing), up to
//!   16 MiB; bigger stored files stay stored.
//!
//! Scripts, headers and `.data/data` go elsewhere than site-packages and are
//! not in the fragment (as with `--tree`), but are verified all the same.
//! The compressed bytes are read twice (once to verify, once to copy, from
//! the page cache); a CRC-32 of them taken both times makes a wheel that
//! changes in between an error.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;
use std::sync::Mutex;

use flate2::Crc;
use ofiuco_install::{CheckedWheel, InstallOptions, StreamError, WheelFile};

use crate::data::{self, compress_bytes, Compressed, CrcWriter, Data, RangeReader};
use crate::elf;
use crate::error::io_err;
use crate::fragment::{
    check_elf_data, FragmentManifest, FragmentOptions, ManifestEntry, MAX_ELF_BYTES, MEMORY_BUDGET,
};
use crate::pipeline::{run_ordered, thread_count};
use crate::tree::{parent_dir, write_atomically};
use crate::zipout::{too_long, EntryMeta, Method, ZipOut, MAX_NAME_BYTES};
use crate::{ArchiveError, FRAGMENT_COMMENT_V2};

/// What goes into the fragment at one path.
enum Item {
    /// A file of the wheel, copied (or, when stored, compressed here).
    Wheel(WheelFile),
    /// A file written by `install` (`INSTALLER`, `RECORD`).
    Generated { content: Vec<u8>, executable: bool },
}

/// One item, ready to be written.
struct Packed {
    method: Method,
    crc32: u32,
    size: u64,
    compressed_size: u64,
    data: PackedData,
    elf: Option<elf::ElfInfo>,
}

enum PackedData {
    /// Compressed here.
    Memory(Vec<u8>),
    /// The wheel's bytes from this offset, whose CRC-32 was this when they
    /// were verified.
    Wheel { start: u64, raw_crc: u32 },
}

/// Packs the site-packages files of `wheel` (what `ofiuco install` would put
/// below `opts.strip_prefix`) into the fragment `output`, copying the wheel's
/// compressed entries, and returns its manifest. `opts.trees` is not used.
/// Nothing is written on error.
pub fn pack_wheel_fragment(
    wheel: &Path,
    opts: &FragmentOptions,
    output: &Path,
) -> Result<FragmentManifest, ArchiveError> {
    let install_opts = InstallOptions {
        threads: 1,
        ..InstallOptions::default()
    };
    let checked = CheckedWheel::open(wheel, &install_opts)?;
    let comment = |crc: u32| format!("{FRAGMENT_COMMENT_V2}{crc:08x} package={}", opts.package);
    if comment(0).len() > MAX_NAME_BYTES {
        return Err(io_err("write", output)(too_long("the package name")));
    }
    let items = plan_items(&checked, opts)?;
    let raw_file = File::open(wheel).map_err(io_err("read", wheel))?;
    let threads = thread_count(opts.threads, items.len());
    let spool_dir = parent_dir(output);
    let big_elf = Mutex::new(());

    write_atomically(output, |file| {
        let mut zip = ZipOut::new(CrcWriter::new(BufWriter::with_capacity(data::CHUNK, file)));
        let mut manifest =
            FragmentManifest::empty(&opts.package, opts.check.is_enabled(), items.len());
        let mut max_glibc: Option<elf::GlibcVersion> = None;
        let mut buf = vec![0u8; data::CHUNK];
        let mut add = |index: usize, packed: Packed| -> Result<(), ArchiveError> {
            let (rel, item) = &items[index];
            let executable = match item {
                Item::Wheel(f) => f.executable,
                Item::Generated { executable, .. } => *executable,
            };
            let meta = EntryMeta {
                name: rel,
                method: packed.method,
                crc32: packed.crc32,
                compressed_size: packed.compressed_size,
                size: packed.size,
                executable,
            };
            let mut changed = false;
            zip.add(&meta, |out| match &packed.data {
                PackedData::Memory(bytes) => out.write_all(bytes).map(|()| bytes.len() as u64),
                PackedData::Wheel { start, raw_crc } => {
                    let mut crc = CrcWriter::new(&mut *out);
                    let n = data::copy_range(
                        &raw_file,
                        *start,
                        packed.compressed_size,
                        &mut crc,
                        &mut buf,
                    )?;
                    if crc.crc.sum() != *raw_crc {
                        changed = true;
                        return Err(io::Error::other("changed"));
                    }
                    Ok(n)
                }
            })
            .map_err(|e| {
                if changed {
                    ArchiveError::FileChanged {
                        path: wheel.to_path_buf(),
                    }
                } else {
                    io_err("write", output)(e)
                }
            })?;
            manifest.entries.push(ManifestEntry {
                path: rel.clone(),
                size: packed.size,
                crc32: packed.crc32,
                compressed_size: packed.compressed_size,
                method: packed.method.manifest_name().into(),
                mode: crate::normalized_mode(executable),
            });
            manifest.files += 1;
            manifest.unzipped_bytes = manifest.unzipped_bytes.saturating_add(packed.size);
            manifest.zipped_bytes = manifest.zipped_bytes.saturating_add(packed.compressed_size);
            if let (Some(summary), Some(info)) = (manifest.elf.as_mut(), packed.elf) {
                summary.files += 1;
                if let Some(need) = info.glibc {
                    if max_glibc.is_none_or(|v| need.version > v) {
                        max_glibc = Some(need.version);
                        summary.max_glibc = Some(need.version.to_string());
                        summary.max_glibc_file = Some(rel.clone());
                    }
                }
            }
            Ok(())
        };
        // Results wait in memory only when compressed here.
        let cost = |i: usize| match &items[i].1 {
            Item::Wheel(f) if f.size <= data::IN_MEMORY_MAX => f.size.min(1 << 20),
            Item::Wheel(_) => 1 << 20,
            Item::Generated { content, .. } => content.len() as u64,
        };
        run_ordered(
            items.len(),
            threads,
            MEMORY_BUDGET,
            &cost,
            &|i| pack_item(&checked, &raw_file, opts, &items[i], spool_dir, &big_elf),
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

/// The fragment's items, sorted by path: the wheel's files below the prefix
/// and the generated `INSTALLER` and `RECORD` (which replace a wheel's own,
/// as `install` does).
fn plan_items(
    checked: &CheckedWheel,
    opts: &FragmentOptions,
) -> Result<Vec<(String, Item)>, ArchiveError> {
    let files = checked.files();
    // RECORD lists what `install` writes: the RECORD hash of a file copied
    // as it is, the hash of the rewritten content of a script, the real
    // hash of a signature (which RECORD lists without one).
    let mut rows = Vec::with_capacity(files.len());
    for f in &files {
        let (hash, size) = match (&f.record_hash, f.rewritten) {
            (Some(hash), false) => (hash.clone(), f.size),
            _ => checked
                .verify(f, None, &mut io::sink())
                .map_err(|e| stream_err(e, &f.dest))?,
        };
        rows.push((f.dest.clone(), hash, size));
    }
    let prefix = if opts.strip_prefix.is_empty() {
        String::new()
    } else {
        format!("{}/", opts.strip_prefix)
    };
    let below = |dest: &str| dest.strip_prefix(prefix.as_str()).map(str::to_string);
    let mut items: std::collections::BTreeMap<String, Item> = std::collections::BTreeMap::new();
    for f in files {
        if let Some(rel) = below(&f.dest) {
            items.insert(rel, Item::Wheel(f));
        }
    }
    for (dest, content, mode) in checked.generated(rows) {
        if let Some(rel) = below(&dest) {
            let executable = mode & 0o111 != 0;
            items.insert(
                rel,
                Item::Generated {
                    content,
                    executable,
                },
            );
        }
    }
    for rel in items.keys() {
        crate::tree::check_archive_path(rel).map_err(|reason| {
            ArchiveError::InvalidArchivePath {
                path: rel.clone(),
                owner: format!("package `{}`", crate::text::shown(&opts.package)),
                reason: if rel.contains('\\') {
                    "the file name contains a backslash, which zip readers take for a directory separator\n\
                     hint: nothing was written; the wheel holds a Windows path as a file name: use another release of the package, or report it to its authors"
                } else {
                    reason
                },
            }
        })?;
    }
    Ok(items.into_iter().collect())
}

fn stream_err(e: StreamError, dest: &str) -> ArchiveError {
    match e {
        StreamError::Install(e) => e.into(),
        StreamError::Write(e) => io_err("check", dest)(e),
    }
}

fn pack_item(
    checked: &CheckedWheel,
    raw_file: &File,
    opts: &FragmentOptions,
    (rel, item): &(String, Item),
    spool_dir: &Path,
    big_elf: &Mutex<()>,
) -> Result<Packed, ArchiveError> {
    let file = match item {
        Item::Generated { content, .. } => {
            let c = compress_bytes(content.clone(), opts.level).map_err(io_err("compress", rel))?;
            return Ok(from_compressed(c, None));
        }
        Item::Wheel(file) => file,
    };
    let raw = checked.raw(file.index)?;
    let stored = raw.method == 0;
    let compress_here = stored && opts.level > 0 && raw.size > 0 && raw.size <= data::IN_MEMORY_MAX;
    let mut sink = ContentSink {
        crc: Crc::new(),
        keep: compress_here,
        kept: Vec::new(),
        elf: opts
            .check
            .is_enabled()
            .then_some(ElfCapture::Undecided(Vec::new())),
        size: raw.size,
        spool_dir,
    };
    let mut reader = CrcReader {
        inner: RangeReader::new(
            raw_file,
            raw.data_start,
            raw.data_start.saturating_add(raw.compressed_size),
        ),
        crc: Crc::new(),
        read: 0,
    };
    {
        let content: &mut dyn Read = if stored {
            &mut reader
        } else {
            &mut flate2::read::DeflateDecoder::new_with_buf(&mut reader, vec![0u8; 64 << 10])
        };
        checked
            .verify(file, Some(content), &mut sink)
            .map_err(|e| stream_err(e, rel))?;
    }
    // The rest of the compressed bytes, if the deflate stream ended early,
    // so that the CRC covers what is copied.
    io::copy(&mut reader, &mut io::sink()).map_err(|e| checked.read_error(&file.name, e))?;
    if reader.read != raw.compressed_size {
        return Err(checked
            .read_error(
                &file.name,
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the wheel ends before the entry's data",
                ),
            )
            .into());
    }
    if sink.crc.sum() != raw.crc32 {
        return Err(checked
            .read_error(
                &file.name,
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    "its data does not match the CRC-32 in the wheel's headers",
                ),
            )
            .into());
    }
    let elf = match sink.elf.take() {
        Some(ElfCapture::Memory(data)) => check_elf_data(&opts.package, rel, &data, &opts.check)?,
        Some(ElfCapture::Spool(spool)) => {
            let spool = spool
                .into_inner()
                .map_err(|e| io_err("check", rel)(e.into_error()))?;
            check_big_elf(opts, rel, &spool, raw.size, big_elf)?
        }
        _ => None,
    };
    if compress_here {
        let c = compress_bytes(std::mem::take(&mut sink.kept), opts.level)
            .map_err(io_err("compress", rel))?;
        return Ok(from_compressed(c, elf));
    }
    Ok(Packed {
        method: if stored {
            Method::Stored
        } else {
            Method::Deflated
        },
        crc32: raw.crc32,
        size: raw.size,
        compressed_size: raw.compressed_size,
        data: PackedData::Wheel {
            start: raw.data_start,
            raw_crc: reader.crc.sum(),
        },
        elf,
    })
}

fn from_compressed(c: Compressed, elf: Option<elf::ElfInfo>) -> Packed {
    let bytes = match c.data {
        Data::Memory(bytes) => bytes,
        // `compress_bytes` keeps everything in memory.
        Data::Spool(_) | Data::Source => Vec::new(),
    };
    Packed {
        method: c.method,
        crc32: c.crc32,
        size: c.size,
        compressed_size: c.compressed_size,
        data: PackedData::Memory(bytes),
        elf,
    }
}

/// An ELF file over 16 MiB, inflated into a spool file: only the parts the
/// check needs are read back; one at a time.
fn check_big_elf(
    opts: &FragmentOptions,
    rel: &str,
    spool: &File,
    size: u64,
    big_elf: &Mutex<()>,
) -> Result<Option<elf::ElfInfo>, ArchiveError> {
    if size > MAX_ELF_BYTES {
        return Err(ArchiveError::ElfTooLarge {
            package: opts.package.clone(),
            path: rel.to_string(),
            size,
            limit: MAX_ELF_BYTES,
        });
    }
    let _one = big_elf
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut read = |buf: &mut [u8], offset: u64| {
        let n = data::read_at(spool, buf, offset)?;
        if n == buf.len() {
            Ok(())
        } else {
            Err(io::ErrorKind::UnexpectedEof.into())
        }
    };
    let data =
        if let Some(parts) = elf::read_parts(size, &mut read).map_err(io_err("check", rel))? {
            parts
        } else {
            // `size` is at most `MAX_ELF_BYTES`.
            let mut all = Vec::with_capacity(size as usize);
            RangeReader::new(spool, 0, size)
                .read_to_end(&mut all)
                .map_err(io_err("check", rel))?;
            all
        };
    check_elf_data(&opts.package, rel, &data, &opts.check)
}

/// Reads through, keeping the CRC-32 and count of what was read.
struct CrcReader<R> {
    inner: R,
    crc: Crc,
    read: u64,
}

impl<R: Read> Read for CrcReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.crc.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// Where the content of an ELF file goes while it is verified.
enum ElfCapture {
    /// Fewer than 4 bytes seen.
    Undecided(Vec<u8>),
    NotElf,
    Memory(Vec<u8>),
    Spool(BufWriter<File>),
}

/// Receives a file's verified content: its CRC-32, the content itself when
/// it is compressed here, an ELF file when checks are on.
struct ContentSink<'a> {
    crc: Crc,
    keep: bool,
    kept: Vec<u8>,
    elf: Option<ElfCapture>,
    size: u64,
    spool_dir: &'a Path,
}

impl Write for ContentSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.crc.update(buf);
        if self.keep {
            self.kept.extend_from_slice(buf);
        }
        if let Some(capture) = self.elf.as_mut() {
            if let ElfCapture::Undecided(head) = capture {
                head.extend_from_slice(buf);
                if head.len() >= 4 || (head.len() as u64) >= self.size {
                    let head = std::mem::take(head);
                    *capture = if !elf::is_elf(&head) {
                        ElfCapture::NotElf
                    } else if self.size <= data::IN_MEMORY_MAX {
                        ElfCapture::Memory(head)
                    } else {
                        let mut spool = BufWriter::with_capacity(
                            data::CHUNK,
                            tempfile::tempfile_in(self.spool_dir)?,
                        );
                        spool.write_all(&head)?;
                        ElfCapture::Spool(spool)
                    };
                }
            } else {
                match capture {
                    ElfCapture::Memory(data) => data.extend_from_slice(buf),
                    ElfCapture::Spool(spool) => spool.write_all(buf)?,
                    _ => {}
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fs;
    use std::io::{Read, Write};

    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipArchive, ZipWriter};

    use super::*;

    /// (archive path, content, mode, stored).
    type Files = Vec<(&'static str, Vec<u8>, u32, bool)>;

    fn files() -> Files {
        let big: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("value_{i} = {}\n", i % 7).into_bytes())
            .collect();
        vec![
            (
                "demo/__init__.py",
                b"from demo.cli import main\n".to_vec(),
                0o644,
                false,
            ),
            (
                "demo/cli.py",
                b"def main():\n    print('hi')\n".to_vec(),
                0o644,
                false,
            ),
            ("demo/_native.so", b"not an ELF file".to_vec(), 0o755, false),
            ("demo/table.py", big, 0o644, true),
            ("demo/empty.txt", Vec::new(), 0o644, true),
            (
                "demo-1.0.data/platlib/demo_plat.py",
                b"X = 1\n".to_vec(),
                0o644,
                false,
            ),
            (
                "demo-1.0.data/scripts/demo-tool",
                b"#!python\nprint('tool')\n".to_vec(),
                0o644,
                false,
            ),
            (
                "demo-1.0.data/data/share/readme.txt",
                b"read me\n".to_vec(),
                0o644,
                false,
            ),
            (
                "demo-1.0.dist-info/METADATA",
                b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n".to_vec(),
                0o644,
                false,
            ),
            (
                "demo-1.0.dist-info/WHEEL",
                b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
                0o644,
                false,
            ),
            (
                "demo-1.0.dist-info/entry_points.txt",
                b"[console_scripts]\ndemo = demo.cli:main\n".to_vec(),
                0o644,
                false,
            ),
        ]
    }

    fn record_hash(content: &[u8]) -> String {
        format!(
            "sha256={}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(content))
        )
    }

    /// Writes the wheel `demo-1.0-py3-none-any.whl` into `dir`; `edit`
    /// changes the RECORD rows (path -> row) first.
    fn wheel(dir: &Path, edit: impl FnOnce(&mut BTreeMap<String, String>)) -> std::path::PathBuf {
        let files = files();
        let mut rows: BTreeMap<String, String> = files
            .iter()
            .map(|(name, content, _, _)| {
                (
                    name.to_string(),
                    format!("{name},{},{}", record_hash(content), content.len()),
                )
            })
            .collect();
        edit(&mut rows);
        let path = dir.join("demo-1.0-py3-none-any.whl");
        let mut zip = ZipWriter::new(fs::File::create(&path).unwrap());
        for (name, content, mode, stored) in &files {
            let method = if *stored {
                CompressionMethod::Stored
            } else {
                CompressionMethod::Deflated
            };
            let options = SimpleFileOptions::default()
                .compression_method(method)
                .unix_permissions(*mode);
            zip.start_file(*name, options).unwrap();
            zip.write_all(content).unwrap();
        }
        zip.start_file("demo-1.0.dist-info/RECORD", SimpleFileOptions::default())
            .unwrap();
        #[allow(clippy::format_collect)] // a test fixture: clarity over allocations
        let mut record: String = rows.values().map(|r| format!("{r}\n")).collect();
        record.push_str("demo-1.0.dist-info/RECORD,,\n");
        zip.write_all(record.as_bytes()).unwrap();
        zip.finish().unwrap();
        path
    }

    /// Every entry as (name, mode, content).
    fn entries(path: &Path) -> Vec<(String, u32, Vec<u8>)> {
        let mut archive = ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).unwrap();
                let mut data = Vec::new();
                f.read_to_end(&mut data).unwrap();
                (f.name().to_string(), f.unix_mode().unwrap() & 0o777, data)
            })
            .collect()
    }

    fn raw_bytes(path: &Path, name: &str) -> (CompressionMethod, Vec<u8>) {
        let mut archive = ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
        let index = archive.index_for_name(name).unwrap();
        let mut f = archive.by_index_raw(index).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        (f.compression(), data)
    }

    #[test]
    fn holds_what_the_installed_tree_holds_and_copies_compressed_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let whl = wheel(tmp.path(), |_| {});
        let tree = tmp.path().join("tree");
        ofiuco_install::install(&whl, &tree, &InstallOptions::default()).unwrap();
        let from_tree = tmp.path().join("tree.zip");
        crate::pack_fragment(&FragmentOptions::new("demo", vec![tree]), &from_tree).unwrap();
        let from_wheel = tmp.path().join("wheel.zip");
        let manifest =
            pack_wheel_fragment(&whl, &FragmentOptions::new("demo", vec![]), &from_wheel).unwrap();

        let got = entries(&from_wheel);
        assert_eq!(got, entries(&from_tree));
        let names: Vec<&str> = got.iter().map(|(n, _, _)| n.as_str()).collect();
        assert!(names.contains(&"demo_plat.py"), "{names:?}");
        assert!(names.contains(&"demo-1.0.dist-info/INSTALLER"), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("demo-tool")), "{names:?}");
        assert_eq!(manifest.files, got.len() as u64);

        // Deflated entries are the wheel's bytes; a moved one too.
        for (in_wheel, in_fragment) in [
            ("demo/cli.py", "demo/cli.py"),
            ("demo-1.0.data/platlib/demo_plat.py", "demo_plat.py"),
        ] {
            let (method, bytes) = raw_bytes(&whl, in_wheel);
            assert_eq!(method, CompressionMethod::Deflated);
            assert_eq!(raw_bytes(&from_wheel, in_fragment), (method, bytes));
        }
        // A stored file that deflate shrinks is deflated; an empty one stays stored.
        let (method, bytes) = raw_bytes(&from_wheel, "demo/table.py");
        assert_eq!(method, CompressionMethod::Deflated);
        assert!(bytes.len() * 4 < files()[3].1.len(), "{}", bytes.len());
        assert_eq!(
            raw_bytes(&from_wheel, "demo/empty.txt").0,
            CompressionMethod::Stored
        );

        // The same bytes from another directory.
        let other = tmp.path().join("other");
        fs::create_dir(&other).unwrap();
        pack_wheel_fragment(
            &whl,
            &FragmentOptions::new("demo", vec![]),
            &other.join("w.zip"),
        )
        .unwrap();
        assert!(fs::read(&from_wheel).unwrap() == fs::read(other.join("w.zip")).unwrap());
    }

    #[test]
    fn refuses_a_hash_mismatch_and_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let whl = wheel(tmp.path(), |rows| {
            rows.insert(
                "demo/cli.py".into(),
                format!("demo/cli.py,{},28", record_hash(b"something else")),
            );
        });
        let out = tmp.path().join("f.zip");
        let err = pack_wheel_fragment(&whl, &FragmentOptions::new("demo", vec![]), &out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`demo/cli.py` has hash"), "{err}");
        assert!(err.contains("demo-1.0-py3-none-any.whl"), "{err}");
        assert!(!out.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_a_script_whose_hash_is_wrong() {
        // Scripts are not in the fragment, but RECORD is checked for them too.
        let tmp = tempfile::tempdir().unwrap();
        let whl = wheel(tmp.path(), |rows| {
            let name = "demo-1.0.data/scripts/demo-tool";
            rows.insert(name.into(), format!("{name},{},23", record_hash(b"x")));
        });
        let out = tmp.path().join("f.zip");
        let err = pack_wheel_fragment(&whl, &FragmentOptions::new("demo", vec![]), &out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("demo-tool"), "{err}");
        assert!(!out.exists());
    }

    #[test]
    fn refuses_data_that_does_not_match_its_crc() {
        // RECORD matches the content, the zip headers' CRC-32 does not: a
        // copied entry would not extract.
        let tmp = tempfile::tempdir().unwrap();
        let whl = wheel(tmp.path(), |_| {});
        let mut bytes = fs::read(&whl).unwrap();
        let mut archive = ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let index = archive.index_for_name("demo/cli.py").unwrap();
        let crc = archive.by_index_raw(index).unwrap().crc32().to_le_bytes();
        drop(archive);
        let mut patched = 0;
        for at in 0..bytes.len() - 4 {
            if bytes[at..at + 4] == crc {
                bytes[at] ^= 0xff;
                patched += 1;
            }
        }
        assert_eq!(patched, 2, "the local and the central header");
        fs::write(&whl, &bytes).unwrap();
        let out = tmp.path().join("f.zip");
        let err =
            pack_wheel_fragment(&whl, &FragmentOptions::new("demo", vec![]), &out).unwrap_err();
        let text = format!("{err}: {:?}", std::error::Error::source(&err));
        assert!(text.contains("demo/cli.py"), "{text}");
        assert!(text.contains("CRC"), "{text}");
        assert!(!out.exists());
    }
}

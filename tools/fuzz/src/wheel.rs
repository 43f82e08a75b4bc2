//! The `wheel` target: mutated real wheels through `install`, then the
//! installed tree through `fragment`, and the mutated archive itself (as a
//! crafted fragment) and the packed fragment through `zip` (`assemble`).
//!
//! A seed wheel is read into a list of entries. Each input mutates that list
//! (entry names, duplicates, kinds and modes, compression, zip64 extras, and
//! the content of `RECORD`, `WHEEL`, `METADATA` and `entry_points.txt`),
//! mostly rewrites `RECORD` to match so that the installer gets past its hash
//! checks, writes the archive with the `zip` crate's writer, and then edits its
//! bytes (local and central headers that disagree, wrong CRCs and sizes,
//! compression methods, external attributes, zip64 extras, offsets,
//! truncation). An archive is never bigger than [`MAX_ARCHIVE`].
//!
//! Besides "no panic" and "no hang", each input checks what the tools promise:
//! - `install`: on success, nothing outside the output directory and no
//!   symbolic link that points out of it; on refusal, nothing left at all (the
//!   install commits by one rename); a message without raw control characters
//!   and of bounded length;
//! - `fragment` and `zip`: on refusal, no output file; on success, an archive
//!   that reads back (every entry's CRC checked), without duplicate names or
//!   links, holding what was packed;
//! - `fragment --wheel` (the mutated wheel packed without installing it): on
//!   refusal, no output file; on success, an archive that reads back and
//!   that `zip` takes, holding exactly the installed tree's site-packages
//!   files when `install` accepted the wheel;
//! - memory: the growth of the heap's high-water mark during the input stays
//!   under [`memory_bound`] (a fixed allowance plus a multiple of the bytes
//!   actually in the archive and the tree), whatever sizes the archive declares.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Write};
use std::path::{Component, Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::{mutate, Pool, Rng};

/// The largest archive an input makes (mutations that would grow it further
/// are dropped).
pub const MAX_ARCHIVE: usize = 4 << 20;
/// The longest error message accepted from a tool (its untrusted parts are
/// cut to 200 characters each).
const MAX_MESSAGE: usize = 16 << 10;

/// The seeds of the target: `tools/fuzz/seeds/wheels`, the wheels of
/// `tools/build/testdata/wheels`, and every `*.whl` under the corpus.
pub(crate) fn seed_paths(corpus: &[PathBuf]) -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        manifest.join("seeds/wheels"),
        manifest.join("../build/testdata/wheels"),
    ];
    for root in corpus {
        dirs.push(root.clone());
        crate::find_all_dirs(root, &mut dirs);
    }
    let mut out = Vec::new();
    for dir in dirs {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|e| e.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        paths.sort();
        out.extend(
            paths
                .into_iter()
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "whl")),
        );
    }
    out
}

/// One seed wheel, read.
#[derive(Clone, Debug)]
pub(crate) struct WheelSeed {
    pub filename: String,
    entries: Vec<ZEntry>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Symlink,
}

/// An entry as the writer writes it.
#[derive(Clone, Debug)]
struct ZEntry {
    name: String,
    /// Name bytes patched into both headers after writing (same length as the
    /// placeholder written): duplicates, non-UTF-8 names.
    raw_name: Option<Vec<u8>>,
    data: Vec<u8>,
    kind: Kind,
    /// Permission bits (and setuid/setgid/sticky).
    mode: u32,
    deflate: bool,
    /// Written with zip64 extra fields.
    large: bool,
}

/// Reads the seeds; unreadable files are skipped.
pub(crate) fn load_seeds(corpus: &[PathBuf]) -> Vec<WheelSeed> {
    seed_paths(corpus)
        .into_iter()
        .filter_map(|path| {
            let filename = path.file_name()?.to_str()?.to_string();
            let bytes = std::fs::read(&path).ok()?;
            if bytes.len() > MAX_ARCHIVE {
                return None;
            }
            let mut archive = ZipArchive::new(Cursor::new(bytes)).ok()?;
            let mut entries = Vec::new();
            for i in 0..archive.len() {
                let mut f = archive.by_index(i).ok()?;
                let mut data = Vec::new();
                f.read_to_end(&mut data).ok()?;
                let mode = f.unix_mode().unwrap_or(0o644);
                entries.push(ZEntry {
                    name: f.name().to_string(),
                    raw_name: None,
                    data,
                    kind: if f.is_dir() { Kind::Dir } else { Kind::File },
                    mode: mode & 0o7777,
                    deflate: f.compression() == CompressionMethod::Deflated,
                    large: false,
                });
            }
            Some(WheelSeed { filename, entries })
        })
        .collect()
}

/// Lines of the seeds' text entries, to splice.
pub(crate) fn pool(seeds: &[WheelSeed]) -> Pool {
    let mut lines = Vec::new();
    let mut strings = Vec::new();
    for seed in seeds {
        for e in &seed.entries {
            if is_metadata(&e.name) {
                if let Ok(text) = std::str::from_utf8(&e.data) {
                    lines.extend(text.lines().map(str::to_string));
                    strings.extend(
                        text.lines()
                            .filter_map(|l| l.split_once([',', '=', ':']))
                            .map(|(a, _)| a.trim().to_string()),
                    );
                }
            }
        }
    }
    for v in [&mut lines, &mut strings] {
        v.sort();
        v.dedup();
    }
    Pool { strings, lines }
}

fn is_metadata(name: &str) -> bool {
    name.contains(".dist-info/")
}

const NAME_EDITS: &[&str] = &[
    "../",
    "../../",
    "/",
    "//",
    "./",
    "a/../../",
    "\\..\\",
    "C:/",
    "C:\\",
    "\0",
    "\u{1b}[2J",
    "\u{202e}",
    "\n",
    "x/",
    ".",
    "..",
];

const LINK_TARGETS: &[&str] = &[
    "../../../../etc/passwd",
    "/etc/passwd",
    "..",
    ".",
    "a/../../x",
    "six.py",
    "",
    "../site-packages",
    "../../..",
];

const WHEEL_FILES: &[&str] = &[
    "Wheel-Version: 1.0\nGenerator: x\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-any\n",
    "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n",
    "Wheel-Version: 1.9\nRoot-Is-Purelib: true\n",
    "Wheel-Version: 18446744073709551616.0\nRoot-Is-Purelib: true\n",
    "Wheel-Version: \nRoot-Is-Purelib: maybe\n",
    "Wheel-Version: 1.0\nWheel-Version: 3.0\nRoot-Is-Purelib: true\nRoot-Is-Purelib: false\n",
    "Root-Is-Purelib: true\n",
    "",
    "\u{feff}Wheel-Version: 1.0\r\nRoot-Is-Purelib: true\r\n",
    "Wheel-Version: 1.0\n Root-Is-Purelib: true\n",
    "Wheel-Version: 1.0\nRoot-Is-Purelib: TRUE\n",
];

const METADATA_NAMES: &[&str] = &[
    "..",
    ".",
    "",
    "a b",
    "Six",
    "SIX",
    "other",
    "../x",
    "six\0",
    "\u{1b}[2J",
    "b..",
];

const ENTRY_POINTS: &[&str] = &[
    "[console_scripts]\n../evil = a:b\n",
    "[console_scripts]\n/abs = a:b\n",
    "[console_scripts]\na/b = a:b\n",
    "[console_scripts]\na\\b = a:b\n",
    "[console_scripts]\n.. = a:b\n",
    "[console_scripts]\n = a:b\n",
    "[console_scripts]\nx = \n",
    "[console_scripts]\nx = a\n",
    "[console_scripts]\nx = a:b:c\n",
    "[console_scripts]\nx = ..:y\n",
    "[console_scripts]\nx = a:b [extra]\n",
    "[console_scripts]\nx = a.b:c.d\nx = e:f\n",
    "[console_scripts]\nx = a:b\n[console_scripts]\nx = c:d\n",
    "[gui_scripts]\nx = a:b\n[console_scripts]\nX = a:b\n",
    "[console_scripts]\nx = __import__('os').system('id'):b\n",
    "[console_scripts]\nx\0 = a:b\n",
    "[console_scripts]\n\u{1b}[2J = a:b\n",
    "[console_scripts\nx = a:b\n",
    "x = a:b\n",
    "[console_scripts]\nx = a:b\n  continued\n",
    "[console_scripts]\nRECORD = a:b\n",
];

/// `RECORD` of `entries` (sha256 and size of every file but itself).
fn record_for(entries: &[ZEntry], record_name: &str) -> String {
    let mut out = String::new();
    for e in entries {
        if e.kind == Kind::Dir || e.name == record_name {
            continue;
        }
        let hash = URL_SAFE_NO_PAD.encode(Sha256::digest(&e.data));
        out.push_str(&csv_field(&e.name));
        out.push_str(&format!(",sha256={hash},{}\n", e.data.len()));
    }
    out.push_str(&csv_field(record_name));
    out.push_str(",,\n");
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A `RECORD` line mutation.
fn mutate_record(text: &mut String, rng: &mut Rng, entries: &[ZEntry]) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let i = rng.below(lines.len());
    let some_name = || entries.first().map_or("x".to_string(), |e| e.name.clone());
    match rng.below(14) {
        0 => {
            lines.remove(i);
        }
        1 => lines.insert(i, lines[i].clone()),
        2 => {
            // A wrong hash.
            if let Some(p) = lines[i].find("sha256=") {
                let at = p + 7 + rng.below(8);
                if at < lines[i].len() && lines[i].is_char_boundary(at) {
                    lines[i].replace_range(at..=at, "A");
                }
            }
        }
        3 => {
            // A wrong size.
            if let Some(p) = lines[i].rfind(',') {
                let size = *rng.pick(&["0", "1", "-1", "18446744073709551616", "1e3", " 5", ""]);
                lines[i].replace_range(p + 1.., size);
            }
        }
        4 => lines.push(format!(
            "{},sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0",
            rng.pick(&["../x", "/etc/x", "missing.py", "a\\b.py", "six.py/x", ""])
        )),
        5 => {
            // Quoting: a quoted name, an unterminated quote, an embedded comma.
            let name = some_name();
            lines.push(match rng.below(4) {
                0 => format!("\"{name}\",sha256=x,1"),
                1 => format!("\"{name},sha256=x,1"),
                2 => format!("\"{name}\"\"x\",,"),
                _ => format!("{name},sha256=x,1,extra"),
            });
        }
        6 => {
            if let Some(p) = lines[i].find("sha256=") {
                let algo = *rng.pick(&["md5=", "sha1=", "sha512=", "=", "SHA256=", "sha256"]);
                lines[i].replace_range(p..p + 7, algo);
            }
        }
        7 => lines[i] = lines[i].replacen(',', ";", 1),
        8 => lines[i].push_str(",x"),
        9 => lines[i] = lines[i].to_uppercase(),
        10 => {
            let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(a, b);
        }
        11 => lines.clear(),
        12 => lines.push("\u{feff}".to_string()),
        _ => lines[i].insert_str(0, rng.pick::<&str>(&["./", "/", "../", " "])),
    }
    *text = lines.join(if rng.chance(8) { "\r\n" } else { "\n" });
    if !rng.chance(6) {
        text.push('\n');
    }
}

fn find(entries: &[ZEntry], suffix: &str) -> Option<usize> {
    entries.iter().position(|e| e.name.ends_with(suffix))
}

/// The dist-info directory of the seed (`six-1.17.0.dist-info`).
fn dist_info(entries: &[ZEntry]) -> String {
    entries
        .iter()
        .find_map(|e| {
            e.name
                .split_once(".dist-info/")
                .map(|(d, _)| format!("{d}.dist-info"))
        })
        .unwrap_or_else(|| "x-1.dist-info".into())
}

/// One mutation of the entry list.
fn mutate_entries(entries: &mut Vec<ZEntry>, rng: &mut Rng, pool: &Pool) {
    if entries.is_empty() {
        entries.push(ZEntry {
            name: "x".into(),
            raw_name: None,
            data: Vec::new(),
            kind: Kind::File,
            mode: 0o644,
            deflate: false,
            large: false,
        });
    }
    let i = rng.below(entries.len());
    let di = dist_info(entries);
    let data_dir = di.replace(".dist-info", ".data");
    match rng.below(22) {
        // Names.
        0 | 1 => {
            let edit = *rng.pick(NAME_EDITS);
            let name = &mut entries[i].name;
            let at = if rng.chance(2) {
                0
            } else {
                crate::floor(name, rng.below(name.len() + 1))
            };
            name.insert_str(at, edit);
        }
        2 => entries[i].name = entries[i].name.replace('/', "\\"),
        3 => {
            // A case collision.
            let mut e = entries[i].clone();
            e.name = if rng.chance(2) {
                e.name.to_uppercase()
            } else {
                e.name.to_lowercase()
            };
            if e.name == entries[i].name {
                e.name = e.name.to_uppercase().replace(".PY", ".Py");
            }
            entries.push(e);
        }
        4 => {
            // `x` and `x/y`.
            let mut e = entries[i].clone();
            e.name = format!(
                "{}/{}",
                e.name.trim_end_matches('/'),
                rng.pick(&["y.py", "__init__.py", "x"])
            );
            entries.push(e);
        }
        5 => {
            // Very long names.
            let n = *rng.pick(&[255usize, 256, 4096, 4097, 65_000, 65_536]);
            let unit = *rng.pick(&["a", "a/", "é", "../"]);
            let mut long = unit.repeat(n / unit.len() + 1);
            long.truncate(crate::floor(&long, n));
            entries[i].name = format!("{di}/../{long}");
            if rng.chance(2) {
                entries[i].name = long;
            }
        }
        6 => {
            // A duplicate entry, with the same or other content.
            let mut e = entries[i].clone();
            if rng.chance(2) {
                e.data.extend_from_slice(b"\n# changed\n");
            }
            e.raw_name = Some(e.name.clone().into_bytes());
            entries.insert(rng.below(entries.len() + 1), e);
        }
        7 => {
            // A raw, non-UTF-8 or odd-byte name.
            let mut raw = entries[i].name.clone().into_bytes();
            let at = rng.below(raw.len() + 1);
            raw.insert(at, *rng.pick(&[0xff, 0x80, 0x00, b'\\', b'/', 0xc3]));
            entries[i].raw_name = Some(raw);
        }
        8 => {
            entries.remove(i);
        }
        // Kinds and modes.
        9 => {
            entries[i].kind = Kind::Symlink;
            entries[i].data = rng.pick(LINK_TARGETS).as_bytes().to_vec();
        }
        10 => {
            entries[i].kind = Kind::Dir;
            if rng.chance(2) {
                entries[i].data.clear();
            }
        }
        11 => {
            entries[i].mode =
                *rng.pick(&[0o755, 0o777, 0o4755, 0o2755, 0o1777, 0o000, 0o200, 0o7777]);
        }
        12 => entries[i].deflate = !entries[i].deflate,
        13 => entries[i].large = true,
        // Metadata files.
        14 => {
            let w = find(entries, ".dist-info/WHEEL").unwrap_or(i);
            entries[w].data = rng.pick(WHEEL_FILES).as_bytes().to_vec();
        }
        15 => {
            let m = find(entries, ".dist-info/METADATA").unwrap_or(i);
            let name = *rng.pick(METADATA_NAMES);
            let text = String::from_utf8_lossy(&entries[m].data).into_owned();
            let text = match text.find("\nName: ") {
                Some(p) => {
                    let end = text[p + 1..].find('\n').map_or(text.len(), |e| p + 1 + e);
                    format!("{}\nName: {name}{}", &text[..p], &text[end..])
                }
                None => format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1\n"),
            };
            entries[m].data = text.into_bytes();
        }
        16 => {
            let text = if rng.chance(6) {
                // Huge: past the cap on metadata files.
                let n = 1 + rng.below(200_000);
                format!("[console_scripts]\n{}", "x = a:b\n".repeat(n))
            } else {
                rng.pick(ENTRY_POINTS).to_string()
            };
            match find(entries, ".dist-info/entry_points.txt") {
                Some(e) => entries[e].data = text.into_bytes(),
                None => entries.push(ZEntry {
                    name: format!("{di}/entry_points.txt"),
                    raw_name: None,
                    data: text.into_bytes(),
                    kind: Kind::File,
                    mode: 0o644,
                    deflate: true,
                    large: false,
                }),
            }
        }
        17 => {
            // `.data` subdirectories, known and not.
            let sub = *rng.pick(&[
                "scripts/x",
                "scripts/../../x",
                "headers/x.h",
                "headers/../../site-packages/six.py",
                "data/etc/x",
                "data/../x",
                "purelib/p.py",
                "platlib/p.py",
                "unknown/x",
                "",
                "scripts/",
                "purelib/../../../x",
                "scripts/.",
                "DATA/x",
                "data",
            ]);
            let data: &[u8] = if sub.starts_with("scripts") && rng.chance(2) {
                b"#!python\nprint(1)\n"
            } else {
                b"x\n"
            };
            let dir = if rng.chance(8) {
                "...data".to_string()
            } else {
                data_dir.clone()
            };
            entries.push(ZEntry {
                name: format!("{dir}/{sub}"),
                raw_name: None,
                data: data.to_vec(),
                kind: Kind::File,
                mode: if rng.chance(2) { 0o755 } else { 0o644 },
                deflate: rng.chance(2),
                large: false,
            });
        }
        18 => {
            // Another dist-info, or a second one.
            let other = *rng.pick(&[
                "other-1.0.dist-info",
                "../x.dist-info",
                "SIX-1.17.0.dist-info",
                ".dist-info",
            ]);
            let mut e = entries[i].clone();
            e.name = format!("{other}/{}", e.name.rsplit('/').next().unwrap_or("x"));
            entries.push(e);
        }
        // Content.
        _ => {
            // Text mutation of a metadata file (or any file).
            let m = if rng.chance(4) {
                i
            } else {
                let meta: Vec<usize> = (0..entries.len())
                    .filter(|&j| is_metadata(&entries[j].name))
                    .collect();
                if meta.is_empty() {
                    i
                } else {
                    *rng.pick(&meta)
                }
            };
            let mut text = String::from_utf8_lossy(&entries[m].data).into_owned();
            if entries[m].name.ends_with("RECORD") && rng.chance(2) {
                let others = entries.clone();
                mutate_record(&mut text, rng, &others);
            } else {
                mutate(&mut text, rng, pool);
            }
            entries[m].data = text.into_bytes();
        }
    }
}

/// Field offsets in local (`L_`) and central (`C_`) headers.
const L_FLAGS: usize = 6;
const L_METHOD: usize = 8;
const L_CRC: usize = 14;
const L_CSIZE: usize = 18;
const L_USIZE: usize = 22;
const L_NLEN: usize = 26;
const C_MADE_BY: usize = 4;
const C_FLAGS: usize = 8;
const C_METHOD: usize = 10;
const C_CRC: usize = 16;
const C_CSIZE: usize = 20;
const C_USIZE: usize = 24;
const C_NLEN: usize = 28;
const C_XLEN: usize = 30;
const C_CLEN: usize = 32;
const C_ATTR: usize = 38;
const C_LOCAL: usize = 42;

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

fn put(b: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = b.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

/// The central directory, as far as it parses.
struct Central {
    eocd: usize,
    cd_end: usize,
    /// Offsets of central headers.
    entries: Vec<usize>,
}

fn central(b: &[u8]) -> Option<Central> {
    let min = b.len().saturating_sub(22 + 65_535);
    let eocd = (min..=b.len().checked_sub(22)?)
        .rev()
        .find(|&i| b[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])?;
    let cd_size = u32_at(b, eocd + 12)?;
    let cd_start = u32_at(b, eocd + 16)?;
    let mut entries = Vec::new();
    let mut at = cd_start;
    while at + 46 <= b.len() && b[at..at + 4] == [0x50, 0x4b, 0x01, 0x02] {
        entries.push(at);
        at += 46 + u16_at(b, at + C_NLEN)? + u16_at(b, at + C_XLEN)? + u16_at(b, at + C_CLEN)?;
    }
    Some(Central {
        eocd,
        cd_end: cd_start.saturating_add(cd_size).min(b.len()),
        entries,
    })
}

/// Writes `entries`; an entry the writer refuses is left out.
fn write_archive(entries: &[ZEntry], comment: &str) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut patches: Vec<(String, Vec<u8>)> = Vec::new();
    for (n, e) in entries.iter().enumerate() {
        // The writer panics on names a zip cannot hold (its own unwrap).
        if e.name.len() > 65_535 || e.raw_name.as_ref().is_some_and(|r| r.len() > 65_535) {
            continue;
        }
        let opts = SimpleFileOptions::default()
            .compression_method(if e.deflate {
                CompressionMethod::Deflated
            } else {
                CompressionMethod::Stored
            })
            .unix_permissions(e.mode)
            .large_file(e.large)
            .last_modified_time(zip::DateTime::default());
        // A raw name is written as a unique ASCII placeholder of its length.
        let name = match &e.raw_name {
            Some(raw) => {
                let mut p = format!("{n}~").into_bytes();
                p.resize(raw.len().max(p.len()), b'~');
                let p = String::from_utf8(p).unwrap_or_default();
                if p.len() == raw.len() {
                    patches.push((p.clone(), raw.clone()));
                }
                p
            }
            None => e.name.clone(),
        };
        let ok = match e.kind {
            Kind::File => zip.start_file(name, opts).is_ok() && zip.write_all(&e.data).is_ok(),
            Kind::Dir => zip.add_directory(name, opts).is_ok(),
            Kind::Symlink => zip
                .add_symlink(name, String::from_utf8_lossy(&e.data), opts)
                .is_ok(),
        };
        if !ok {
            let _ = zip.abort_file();
        }
    }
    zip.set_comment(comment);
    let mut bytes = zip
        .finish()
        .map(std::io::Cursor::into_inner)
        .unwrap_or_default();
    if !patches.is_empty() {
        if let Some(cd) = central(&bytes) {
            for at in cd.entries {
                let (Some(nlen), Some(local)) =
                    (u16_at(&bytes, at + C_NLEN), u32_at(&bytes, at + C_LOCAL))
                else {
                    continue;
                };
                let name = bytes[at + 46..(at + 46 + nlen).min(bytes.len())].to_vec();
                if let Some((_, raw)) = patches.iter().find(|(p, _)| p.as_bytes() == name) {
                    put(&mut bytes, at + 46, raw);
                    if u16_at(&bytes, local + L_NLEN) == Some(nlen) {
                        put(&mut bytes, local + 30, raw);
                    }
                }
            }
        }
    }
    bytes
}

/// One edit of the archive's bytes.
fn edit_bytes(b: &mut Vec<u8>, rng: &mut Rng) {
    if b.is_empty() {
        return;
    }
    let cd = central(b);
    let entry = cd
        .as_ref()
        .filter(|cd| !cd.entries.is_empty())
        .map(|cd| cd.entries[rng.below(cd.entries.len())]);
    let local = entry
        .and_then(|at| u32_at(b, at + C_LOCAL))
        .filter(|&l| l + 30 <= b.len());
    let huge: [u32; 6] = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0xFFFF_FFFE, 3 << 30];
    match rng.below(16) {
        0 => {
            // A wrong CRC: local, central or both.
            let which = rng.below(3);
            let delta = 1 + rng.below(255) as u8;
            if let (Some(at), true) = (entry, which != 1) {
                b[at + C_CRC] ^= delta;
            }
            if let (Some(l), true) = (local, which != 0) {
                b[l + L_CRC] ^= delta;
            }
        }
        1 | 2 => {
            // Wrong sizes, local or central, compressed or not.
            let v = if rng.chance(2) {
                rng.pick(&huge).to_le_bytes()
            } else {
                let old = entry.and_then(|at| u32_at(b, at + C_USIZE)).unwrap_or(0) as u32;
                old.wrapping_add(rng.below(3) as u32)
                    .wrapping_sub(1)
                    .to_le_bytes()
            };
            let field = rng.below(4);
            match (field, entry, local) {
                (0, Some(at), _) => put(b, at + C_CSIZE, &v),
                (1, Some(at), _) => put(b, at + C_USIZE, &v),
                (2, _, Some(l)) => put(b, l + L_CSIZE, &v),
                (_, _, Some(l)) => put(b, l + L_USIZE, &v),
                _ => {}
            }
        }
        3 => {
            let m = (*rng.pick(&[0u16, 8, 1, 9, 12, 14, 93, 95, 98, 99, 0xffff])).to_le_bytes();
            match (rng.below(3), entry, local) {
                (0, Some(at), _) => put(b, at + C_METHOD, &m),
                (1, _, Some(l)) => put(b, l + L_METHOD, &m),
                (_, Some(at), Some(l)) => {
                    put(b, at + C_METHOD, &m);
                    put(b, l + L_METHOD, &m);
                }
                _ => {}
            }
        }
        4 => {
            // External attributes (the unix mode) and the OS that made it.
            if let Some(at) = entry {
                let mode: u32 = *rng.pick(&[
                    0o120_777, 0o120_644, 0o040_755, 0o104_755, 0o010_644, 0o020_644, 0o140_644,
                    0o100_000, 0o000_644, 0o177_777,
                ]);
                let low = if rng.chance(4) { 0x10 } else { 0 };
                put(b, at + C_ATTR, &((mode << 16) | low).to_le_bytes());
                if rng.chance(3) {
                    b[at + C_MADE_BY + 1] = *rng.pick(&[0u8, 3, 10, 19, 255]);
                }
            }
        }
        5 => {
            // The local name differs from the central one.
            if let Some(l) = local {
                let nlen = u16_at(b, l + L_NLEN).unwrap_or(0);
                if nlen > 0 && l + 30 + nlen <= b.len() {
                    let at = l + 30 + rng.below(nlen);
                    b[at] = *rng.pick(&[b'.', b'/', b'\\', 0, b'X', 0xff]);
                }
            }
        }
        6 => {
            // Flags: encrypted, data descriptor, UTF-8, in one header or both.
            let bit = (*rng.pick(&[1u16, 8, 0x800, 0x40, 0x2000])).to_le_bytes();
            if let (Some(at), true) = (entry, rng.chance(2)) {
                b[at + C_FLAGS] ^= bit[0];
                b[at + C_FLAGS + 1] ^= bit[1];
            }
            if let Some(l) = local {
                b[l + L_FLAGS] ^= bit[0];
                b[l + L_FLAGS + 1] ^= bit[1];
            }
        }
        7 => {
            let at = rng.below(b.len());
            b.truncate(at);
        }
        8 => {
            for _ in 0..=rng.below(4) {
                let at = rng.below(b.len());
                b[at] ^= 1 << rng.below(8);
            }
        }
        9 => {
            // zip64 extra fields (id 1) with lying values.
            if let Some(at) = entry {
                let nlen = u16_at(b, at + C_NLEN).unwrap_or(0);
                let xlen = u16_at(b, at + C_XLEN).unwrap_or(0);
                let x = at + 46 + nlen;
                if xlen >= 4 && u16_at(b, x) == Some(1) {
                    let size = u16_at(b, x + 2).unwrap_or(0).min(xlen - 4);
                    if size >= 8 {
                        let off = x + 4 + 8 * rng.below(size / 8);
                        let v: u64 = *rng.pick(&[u64::MAX, 1 << 40, 1 << 33, 0, 5 << 30]);
                        put(b, off, &v.to_le_bytes());
                    }
                }
                if rng.chance(2) {
                    // Sentinels in the header, so that the extra is read.
                    put(b, at + C_CSIZE, &u32::MAX.to_le_bytes());
                    put(b, at + C_USIZE, &u32::MAX.to_le_bytes());
                }
            }
        }
        10 => {
            // The end record: entry counts, directory size and offset.
            if let Some(cd) = &cd {
                let e = cd.eocd;
                match rng.below(3) {
                    0 => {
                        let n = (*rng.pick(&[0u16, 1, 0xffff])).to_le_bytes();
                        put(b, e + 8, &n);
                        put(b, e + 10, &n);
                    }
                    1 => put(b, e + 12, &rng.pick(&huge).to_le_bytes()),
                    _ => put(b, e + 16, &rng.pick(&huge).to_le_bytes()),
                }
            }
        }
        11 => {
            // Two central entries for one local header (overlapping entries).
            if let (Some(cd), Some(at)) = (&cd, entry) {
                let other = cd.entries[rng.below(cd.entries.len())];
                let l = b[other + C_LOCAL..other + C_LOCAL + 4].to_vec();
                put(b, at + C_LOCAL, &l);
            }
        }
        12 => {
            // Data before the archive (a self-extracting stub), or after.
            let junk = vec![rng.below(256) as u8; 1 + rng.below(64)];
            if rng.chance(2) {
                b.splice(0..0, junk);
            } else {
                b.extend_from_slice(&junk);
            }
        }
        13 => {
            // A name length that runs over its header.
            if let Some(at) = entry {
                let n = (*rng.pick(&[0u16, 1, 0xffff, 300])).to_le_bytes();
                if rng.chance(2) {
                    put(b, at + C_NLEN, &n);
                } else if let Some(l) = local {
                    put(b, l + L_NLEN, &n);
                }
            }
        }
        _ => {
            // Copy a range over another (header-sized).
            let from = rng.below(b.len());
            let to = rng.below(b.len());
            let n = (1 + rng.below(46)).min(b.len() - from).min(b.len() - to);
            let chunk = b[from..from + n].to_vec();
            put(b, to, &chunk);
        }
    }
}

/// The fragment comment (`ofiuco-fragment/2 crc32=... package=...`) with the
/// CRC of the bytes before the end of the central directory, patched in place
/// (as `fragment` writes it), so that `zip` reads the crafted archive's
/// entries rather than stopping at the checksum.
fn fix_fragment_checksum(b: &mut [u8]) {
    if let Some((at, crc)) = fragment_checksum(b) {
        put(b, at, format!("{crc:08x}").as_bytes());
    }
}

/// Where the fragment checksum's hex digits are in the comment and the CRC
/// they should hold, if the archive has an `ofiuco-fragment/2` comment.
fn fragment_checksum(b: &[u8]) -> Option<(usize, u32)> {
    let cd = central(b)?;
    let prefix = b"ofiuco-fragment/2 crc32=";
    let c = cd.eocd + 22;
    (b.get(c..c + prefix.len()) == Some(prefix) && c + prefix.len() + 8 <= b.len())
        .then(|| (c + prefix.len(), crc32fast::hash(&b[..cd.cd_end])))
}

/// Whether `zip` takes the archive for one that `fragment` wrote: its
/// checksum matches, so its entries' data is copied without inflating (by
/// design: the checksum guards against corruption, not forgery; see
/// docs/archives.md).
fn checksum_matches(b: &[u8]) -> bool {
    fragment_checksum(b)
        .is_some_and(|(at, crc)| b.get(at..at + 8) == Some(format!("{crc:08x}").as_bytes()))
}

/// A mutated wheel: its file name and bytes.
pub(crate) fn generate(seed: &WheelSeed, rng: &mut Rng, pool: &Pool) -> (String, Vec<u8>) {
    let mut entries = seed.entries.clone();
    let record = find(&entries, ".dist-info/RECORD").map(|r| entries[r].name.clone());
    // Content and structure: 0 to 8 mutations, then mostly a RECORD that matches.
    let structural = rng.next_u64().trailing_zeros().min(8) as usize;
    for _ in 0..structural {
        mutate_entries(&mut entries, rng, pool);
    }
    if let (Some(record), false) = (&record, rng.chance(4)) {
        let text = record_for(&entries, record);
        if let Some(r) = entries.iter().position(|e| &e.name == record) {
            entries[r].data = text.into_bytes();
            if rng.chance(4) {
                let mut t = String::from_utf8_lossy(&entries[r].data).into_owned();
                let others = entries.clone();
                mutate_record(&mut t, rng, &others);
                entries[r].data = t.into_bytes();
            }
        }
    }
    let package = seed.filename.split('-').next().unwrap_or("x");
    let comment = match rng.below(3) {
        0 => String::new(),
        1 => format!("ofiuco-fragment/1 package={package}"),
        _ => format!("ofiuco-fragment/2 crc32=00000000 package={package}"),
    };
    let mut bytes = write_archive(&entries, &comment);
    // Bytes: none for a third of the inputs, else 1 to 4 edits.
    if !rng.chance(3) {
        for _ in 0..=rng.next_u64().trailing_zeros().min(3) {
            edit_bytes(&mut bytes, rng);
        }
    }
    if !rng.chance(8) {
        fix_fragment_checksum(&mut bytes);
    }
    bytes.truncate(MAX_ARCHIVE);
    let filename = if rng.chance(16) {
        mutate_filename(&seed.filename, rng)
    } else {
        seed.filename.clone()
    };
    (filename, bytes)
}

/// A file name (without `/` or NUL: it is written to disk) that may not match
/// the archive's dist-info.
fn mutate_filename(name: &str, rng: &mut Rng) -> String {
    let rest = name
        .split_once('-')
        .map_or("1-py3-none-any.whl", |(_, r)| r);
    let dist = *rng.pick(&[
        "..",
        ".",
        "other",
        "SIX",
        "a_b",
        "a.b",
        "a..b",
        "é",
        "\u{1b}[2J",
        "x",
    ]);
    match rng.below(3) {
        0 => format!("{dist}-{rest}"),
        1 => name.replacen(".whl", "-1\"x-py3-none-any.whl", 1),
        _ => name.to_uppercase().replace(".WHL", ".whl"),
    }
}

/// What an input did to the tools.
pub(crate) struct Checked {
    /// Installed.
    pub accepted: bool,
    /// The archive, read as a fragment, was assembled by `zip`.
    pub zipped: bool,
    /// Bytes of the installed tree (0 when refused), for [`memory_bound`].
    pub tree_bytes: u64,
}

/// The heap growth allowed during one input: a fixed allowance (worker
/// buffers, deflate state, the fragment writer's 64 MiB budget is not reached
/// by these small trees) plus a multiple of the bytes really there.
pub fn memory_bound(archive: usize, tree: u64) -> usize {
    (96 << 20) + 8 * archive + 8 * tree as usize
}

/// Runs one mutated wheel through install, fragment and zip, in a fresh
/// temporary directory. `Err` is a broken promise (a finding).
pub(crate) fn run_one(filename: &str, bytes: &[u8]) -> Result<Checked, String> {
    let work = tempfile::Builder::new()
        .prefix("ofiuco-fuzz-wheel-")
        .tempdir()
        .map_err(|e| format!("harness: cannot create a temporary directory: {e}"))?;
    let root = work.path();
    let input_dir = root.join("in");
    std::fs::create_dir(&input_dir).map_err(|e| format!("harness: {e}"))?;
    let wheel = input_dir.join(filename);
    std::fs::write(&wheel, bytes).map_err(|e| format!("harness: cannot write the wheel: {e}"))?;
    let out = root.join("out");
    let tree = out.join("tree");

    let installed =
        ofiuco_install::install(&wheel, &tree, &ofiuco_install::InstallOptions::default());
    let mut accepted = false;
    let mut tree_bytes = 0u64;
    match &installed {
        Ok(_) => {
            accepted = true;
            expect_only(root, &["in", "out"], "install")?;
            expect_only(&out, &["tree"], "install")?;
            tree_bytes = check_tree(&tree)?;
        }
        Err(e) => {
            check_message("install", &e.to_string())?;
            expect_only(root, &["in", "out"], "install (refused)")?;
            if out.exists() {
                expect_only(&out, &[], "install (refused)")?;
            }
        }
    }
    expect_only(&input_dir, &[filename], "install")?;

    // The crafted archive as a fragment (its comment says it is one).
    let crafted_zip = root.join("crafted.zip");
    let assembled = assemble(
        std::slice::from_ref(&wheel),
        &crafted_zip,
        !checksum_matches(bytes),
    )?;

    if installed.is_ok() {
        let package = filename.split('-').next().unwrap_or("x").to_string();
        let frag = root.join("frag.zip");
        let mut opts = ofiuco_archive::FragmentOptions::new(package, vec![tree.clone()]);
        opts.threads = 1;
        match ofiuco_archive::pack_fragment(&opts, &frag) {
            Ok(_) => {
                let files = read_back(&frag, "fragment", true)?;
                let expected = tree_files(&tree.join("site-packages"))?;
                if files != expected {
                    return Err(format!(
                        "fragment: the fragment does not hold the tree's files (fragment {:?}, tree {:?})",
                        files.keys().take(20).collect::<Vec<_>>(),
                        expected.keys().take(20).collect::<Vec<_>>()
                    ));
                }
                let app = root.join("app.zip");
                if let Some(got) = assemble(std::slice::from_ref(&frag), &app, true)? {
                    if got != files {
                        return Err(
                            "zip: the archive of one fragment does not hold the fragment's files"
                                .into(),
                        );
                    }
                } else {
                    return Err("zip: refused a fragment that `fragment` wrote".into());
                }
            }
            Err(e) => {
                check_message("fragment", &e.to_string())?;
                if frag.exists() {
                    return Err("fragment: refused, but the output file exists".into());
                }
            }
        }
    }
    // The fragment made straight from the wheel: refused with no output, or
    // (when install accepted it) holding what the installed tree holds.
    let package = filename.split('-').next().unwrap_or("x").to_string();
    let direct = root.join("direct.zip");
    let mut opts = ofiuco_archive::FragmentOptions::new(package, Vec::new());
    opts.threads = 1;
    match ofiuco_archive::pack_wheel_fragment(&wheel, &opts, &direct) {
        Ok(_) => {
            let files = read_back(&direct, "fragment --wheel", true)?;
            if installed.is_ok() {
                let expected = tree_files(&tree.join("site-packages"))?;
                if files != expected {
                    return Err(format!(
                        "fragment --wheel: the fragment does not hold the installed tree's files (fragment {:?}, tree {:?})",
                        files.keys().take(20).collect::<Vec<_>>(),
                        expected.keys().take(20).collect::<Vec<_>>()
                    ));
                }
            }
            let app = root.join("direct-app.zip");
            if assemble(std::slice::from_ref(&direct), &app, true)?.as_ref() != Some(&files) {
                return Err(
                    "zip: refused or changed a fragment that `fragment --wheel` wrote".into(),
                );
            }
        }
        Err(e) => {
            check_message("fragment --wheel", &e.to_string())?;
            if direct.exists() {
                return Err("fragment --wheel: refused, but the output file exists".into());
            }
        }
    }
    Ok(Checked {
        accepted,
        zipped: assembled.is_some(),
        tree_bytes,
    })
}

/// Assembles `fragments` into `output`: `Ok(None)` when refused (and then
/// nothing is written), `Ok(Some(files))` when written (and read back, the
/// entries' data too if `verify_data`).
fn assemble(
    fragments: &[PathBuf],
    output: &Path,
    verify_data: bool,
) -> Result<Option<BTreeMap<String, Vec<u8>>>, String> {
    let opts = ofiuco_archive::AssembleOptions {
        fragments: fragments.to_vec(),
        files: Vec::new(),
        layout: ofiuco_archive::Layout::Function,
        excludes: ofiuco_archive::Excludes::new::<&str>(&[]).map_err(|e| e.to_string())?,
        limits: ofiuco_archive::Limits {
            mode: ofiuco_archive::LimitMode::Off,
            ..Default::default()
        },
        threads: 1,
    };
    match ofiuco_archive::assemble(&opts, output) {
        Ok(_) => read_back(output, "zip", verify_data).map(Some),
        Err(e) => {
            check_message("zip", &e.to_string())?;
            if output.exists() {
                return Err("zip: refused, but the output file exists".into());
            }
            let parent = output.parent().unwrap_or(Path::new("."));
            for e in std::fs::read_dir(parent).into_iter().flatten().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    return Err(format!("zip: refused, but left `{name}` beside the output"));
                }
            }
            Ok(None)
        }
    }
}

/// Reads an archive back: every entry's data (CRC checked by the reader; an
/// empty placeholder unless `verify_data`), no duplicates, no links, names
/// that are relative and `..`-free.
fn read_back(
    path: &Path,
    tool: &str,
    verify_data: bool,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{tool}: cannot read its output: {e}"))?;
    let mut archive = ZipArchive::new(Cursor::new(&bytes[..]))
        .map_err(|e| format!("{tool}: wrote an archive that does not open: {e}"))?;
    let mut files = BTreeMap::new();
    let mut dirs = BTreeSet::new();
    for i in 0..archive.len() {
        let mut f = archive
            .by_index(i)
            .map_err(|e| format!("{tool}: wrote an entry that does not read: {e}"))?;
        let name = f.name().to_string();
        let mode = f.unix_mode().unwrap_or(0);
        if mode & 0o170_000 == 0o120_000 {
            return Err(format!("{tool}: wrote a symbolic link {name:?}"));
        }
        if name.starts_with('/') || name.split('/').any(|c| c == "..") || name.contains('\\') {
            return Err(format!("{tool}: wrote an unsafe entry name {name:?}"));
        }
        if f.is_dir() {
            dirs.insert(name.trim_end_matches('/').to_string());
            continue;
        }
        let mut data = Vec::new();
        if verify_data {
            f.read_to_end(&mut data).map_err(|e| {
                format!("{tool}: wrote entry {name:?} that does not read back: {e}")
            })?;
        }
        if files.insert(name.clone(), data).is_some() {
            return Err(format!("{tool}: wrote entry {name:?} twice"));
        }
    }
    // A file that is also a directory (`x` and `x/y`) does not extract.
    for name in files.keys() {
        let mut p = name.as_str();
        while let Some((parent, _)) = p.rsplit_once('/') {
            if files.contains_key(parent) {
                return Err(format!(
                    "{tool}: wrote {parent:?} both as a file and as a directory"
                ));
            }
            p = parent;
        }
        if dirs.contains(name) {
            return Err(format!(
                "{tool}: wrote {name:?} both as a file and as a directory"
            ));
        }
    }
    Ok(files)
}

/// The regular files under `dir` by relative path (links followed inside the
/// tree: `fragment` packs their targets' content).
fn tree_files(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let path = e.path();
            if path.is_dir() {
                stack.push((path, r));
            } else if path.is_file() {
                let data = std::fs::read(&path).map_err(|e| format!("harness: {e}"))?;
                out.insert(r, data);
            }
        }
    }
    Ok(out)
}

/// `dir` holds nothing but `allowed`.
fn expect_only(dir: &Path, allowed: &[&str], tool: &str) -> Result<(), String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("harness: cannot list {}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !allowed.contains(&name.as_str()) && !name.ends_with(".zip") {
            return Err(format!(
                "{tool}: left {name:?} in {} (expected only {allowed:?})",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// The installed tree: no link that points outside it (or is absolute), no
/// special file. Returns its size in bytes.
fn check_tree(tree: &Path) -> Result<u64, String> {
    let mut total = 0u64;
    let mut stack = vec![tree.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("install: cannot list {}: {e}", dir.display()))?;
        for e in entries.flatten() {
            let path = e.path();
            let meta = std::fs::symlink_metadata(&path).map_err(|e| format!("harness: {e}"))?;
            let t = meta.file_type();
            if t.is_symlink() {
                let target = std::fs::read_link(&path).map_err(|e| format!("harness: {e}"))?;
                let rel = path.strip_prefix(tree).unwrap_or(&path);
                if !link_stays_inside(rel, &target) {
                    return Err(format!(
                        "install: wrote link {} -> {} that points outside the output directory",
                        rel.display(),
                        target.display()
                    ));
                }
            } else if t.is_dir() {
                stack.push(path);
            } else if t.is_file() {
                total += meta.len();
            } else {
                return Err(format!("install: wrote a special file {}", path.display()));
            }
        }
    }
    Ok(total)
}

/// Whether a link at `link` (relative to the tree) to `target` resolves
/// (lexically) inside the tree.
fn link_stays_inside(link: &Path, target: &Path) -> bool {
    let mut depth: Vec<Component> = link
        .parent()
        .map_or(Vec::new(), |p| p.components().collect());
    for c in target.components() {
        match c {
            Component::Normal(_) => depth.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                if depth.pop().is_none() {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// A message prints untrusted text escaped and cut.
fn check_message(tool: &str, message: &str) -> Result<(), String> {
    if let Some(c) = message.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }) {
        return Err(format!(
            "{tool}: an error message holds the raw character {c:?}: {}",
            ofiuco_spec::text::shown_message(message)
        ));
    }
    if message.len() > MAX_MESSAGE {
        return Err(format!(
            "{tool}: an error message of {} bytes: {}",
            message.len(),
            ofiuco_spec::text::shown_message(message)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_real_wheels_that_install() {
        let seeds = load_seeds(&[]);
        assert!(seeds.len() >= 5, "{} seeds", seeds.len());
        for seed in &seeds {
            let bytes = write_archive(&seed.entries, "");
            let checked = run_one(&seed.filename, &bytes).unwrap();
            assert!(checked.accepted, "{}", seed.filename);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_archives() {
        let seeds = load_seeds(&[]);
        let pool = pool(&seeds);
        let inputs = |seed| {
            let mut rng = Rng::new(seed);
            (0..50)
                .map(|_| generate(rng.pick(&seeds), &mut rng, &pool))
                .collect::<Vec<_>>()
        };
        let first = inputs(5);
        assert_eq!(first, inputs(5));
        assert_ne!(first, inputs(6));
        // Mutated: not (all) the seeds as they were.
        let plain: Vec<Vec<u8>> = seeds
            .iter()
            .map(|s| write_archive(&s.entries, ""))
            .collect();
        assert!(first.iter().filter(|(_, b)| !plain.contains(b)).count() > 40);
    }

    #[test]
    fn raw_names_make_duplicates() {
        let seed = &load_seeds(&[])[0];
        let mut entries = seed.entries.clone();
        let mut dup = entries[0].clone();
        dup.raw_name = Some(dup.name.clone().into_bytes());
        entries.push(dup);
        let bytes = write_archive(&entries, "");
        let cd = central(&bytes).unwrap();
        assert_eq!(cd.entries.len(), entries.len());
        let first = &bytes[cd.entries[0] + 46..][..entries[0].name.len()];
        let last = &bytes[*cd.entries.last().unwrap() + 46..][..entries[0].name.len()];
        assert_eq!(first, last);
    }

    #[test]
    fn links_out_of_the_tree_are_seen() {
        assert!(link_stays_inside(Path::new("a/b"), Path::new("c")));
        assert!(link_stays_inside(Path::new("a/b"), Path::new("../c")));
        assert!(!link_stays_inside(Path::new("a/b"), Path::new("../../c")));
        assert!(!link_stays_inside(Path::new("a"), Path::new("/etc")));
    }

    #[test]
    fn messages_with_raw_escapes_are_findings() {
        assert!(check_message("t", "entry `a\\u{1b}[2J` is bad").is_ok());
        assert!(check_message("t", "entry `a\u{1b}[2J` is bad").is_err());
        assert!(check_message("t", &"a".repeat(MAX_MESSAGE + 1)).is_err());
    }
}

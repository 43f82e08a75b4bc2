//! `check-wheel`: verify a freshly built wheel against its target and write
//! it retagged `manylinux_<X>_<Y>_<arch>`.
//!
//! What is checked, in this order (the first problem is the error):
//!
//! 1. The archive: a zip whose entries have safe, unique UTF-8 names, no
//!    links, one `.dist-info` directory with `WHEEL` (version 1.x, `Tag:`
//!    lines that one filename can name) and `RECORD` (with a row for WHEEL).
//!    The name and version come from the `.dist-info` directory and the tags
//!    from WHEEL: the input's file name is not used (a build rule may name it
//!    before the build runs).
//! 2. The platform tags: `linux_<arch>` or `manylinux*_<arch>` of the target's
//!    CPU (they become `manylinux_<X>_<Y>_<arch>`), or `any`.
//! 3. Every ELF file (found by its magic, not its name), in name order: its
//!    machine is the target's CPU; each symbol version it needs is allowed by
//!    [`Policy`] (GLIBC up to the ceiling; GLIBCXX, CXXABI, GCC up to the
//!    manylinux policy's maxima); each `DT_NEEDED` library is on the
//!    manylinux list, or bundled in the wheel (found through an `$ORIGIN`
//!    entry of its own RPATH/RUNPATH or of another ELF file's, as the loader
//!    searches a parent's `DT_RPATH` for its dependencies), and is not
//!    libpython; RPATH/RUNPATH entries are `$ORIGIN`-relative (an absolute
//!    one names a directory of the build machine); an extension module named for a CPython
//!    (`*.cpython-311-aarch64-linux-gnu.so`) is named for the target.
//! 4. `native`: at least one ELF file and a platform tag other than `any`.
//! 5. The retagged filename is one the target's CPython installs.
//!
//! The output is written to a temporary file beside it and renamed into
//! place: entries in a fixed order (files by name, then `.dist-info/` by
//! name, RECORD last), each deflated with the zip epoch as its time and mode
//! 0644 or 0755, so the same input gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, Write};

use crate::write_atomically;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use ofiuco_archive::elf::{self, machine_name, ElfInfo};
use ofiuco_archive::{normalized_mode, Cpu, GlibcVersion};
use ofiuco_spec::text::{shown, shown_message, shown_path};
use ofiuco_spec::{Arch, TargetEnv, WheelFilename};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::policy::{Namespace, Policy, ALLOWED_LIBRARIES};

/// WHEEL is read up to this many bytes.
pub const MAX_WHEEL_BYTES: u64 = 1 << 20;
/// RECORD is read up to this many bytes (as `ofiuco install` does).
pub const MAX_RECORD_BYTES: u64 = 16 << 20;
/// The largest ELF file read into memory for its checks.
pub const MAX_ELF_BYTES: u64 = 2 << 30;
/// The largest sum of file sizes accepted (as `ofiuco install` does).
pub const MAX_UNPACKED_BYTES: u64 = 8 << 30;

/// A CPython version to build for: `3.11`, or `3.13t` (free-threaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PythonTarget {
    pub major: u8,
    pub minor: u8,
    pub freethreaded: bool,
}

impl FromStr for PythonTarget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid Python version `{s}`; expected e.g. `3.11` or `3.13t`");
        let (rest, freethreaded) = match s.strip_suffix('t') {
            Some(rest) => (rest, true),
            None => (s, false),
        };
        let (major, minor) = rest.split_once('.').ok_or_else(bad)?;
        let target = PythonTarget {
            major: major.parse().map_err(|_| bad())?,
            minor: minor.parse().map_err(|_| bad())?,
            freethreaded,
        };
        if target.major != 3 {
            return Err(bad());
        }
        Ok(target)
    }
}

impl std::fmt::Display for PythonTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = if self.freethreaded { "t" } else { "" };
        write!(f, "{}.{}{t}", self.major, self.minor)
    }
}

/// The target of a check.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    pub cpu: Cpu,
    pub glibc: GlibcVersion,
    pub python: PythonTarget,
    /// Refuse a wheel without compiled code.
    pub native: bool,
}

/// Why a built wheel is refused. Every message names the wheel, and the
/// file inside it where there is one, and ends with a `hint:` line.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot read `{path}`: {source}", path = shown_path(.path))]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write `{path}`: {source}", path = shown_path(.path))]
    Write { path: PathBuf, source: io::Error },
    #[error(
        "`{wheel}` is not a valid wheel: {message}\n\
         hint: the build backend wrote a broken wheel; rebuild it, and report the problem to the package if it stays",
        message = shown_message(.message)
    )]
    Invalid { wheel: String, message: String },
    #[error(
        "`{wheel}`: `{entry}` {reason}\n\
         hint: the build backend wrote an unsafe wheel; nothing was written",
        entry = shown(.entry)
    )]
    UnsafeEntry {
        wheel: String,
        entry: String,
        reason: &'static str,
    },
    #[error(
        "`{wheel}` has the platform tag `{tag}`, but the target is linux {cpu}\n\
         hint: the build ran for another platform; make the backend target {cpu} (e.g. `_PYTHON_HOST_PLATFORM=linux-{cpu}`)",
        tag = shown(.tag)
    )]
    Platform {
        wheel: String,
        tag: String,
        cpu: Cpu,
    },
    #[error(
        "`{wheel}` is tagged `{tags}`, which CPython {python} on linux {cpu} does not install\n\
         hint: build it with a CPython {python} interpreter (and the target's headers and sysconfig), or target the Python version it was built for",
        tags = shown(.tags)
    )]
    Python {
        wheel: String,
        tags: String,
        python: PythonTarget,
        cpu: Cpu,
    },
    #[error(
        "`{wheel}`: `{entry}` is an ELF file for {found}, but the target CPU is {cpu}\n\
         hint: the extension was compiled for the wrong CPU; point CC, CXX and LDSHARED at a compiler for the target (e.g. `zig cc -target {cpu}-linux-gnu.{glibc}`)",
        entry = shown(.entry)
    )]
    Machine {
        wheel: String,
        entry: String,
        found: String,
        cpu: Cpu,
        glibc: GlibcVersion,
    },
    #[error(
        "`{wheel}`: `{entry}` needs `{version}` ({requirement}), but {limit}\n\
         hint: {hint}",
        entry = shown(.entry), version = shown(&.need.version),
        requirement = shown(&.need.requirement), limit = .need.limit, hint = .need.hint
    )]
    SymbolVersion {
        wheel: String,
        entry: String,
        need: Box<SymbolNeed>,
    },
    #[error(
        "`{wheel}`: `{entry}` links libpython (`{library}`)\n\
         hint: extension modules must not link libpython (the interpreter provides its symbols): build without `-lpython3.X` (empty `LIBS`/`LDLIBRARY` in the target's sysconfig)",
        entry = shown(.entry), library = shown(.library)
    )]
    Libpython {
        wheel: String,
        entry: String,
        library: String,
    },
    #[error(
        "`{wheel}`: `{entry}` has the RPATH/RUNPATH entry `{rpath}`, a directory of the build machine\n\
         hint: only `$ORIGIN`-relative entries work on the target; drop `-Wl,-rpath` from the link (it often comes from the build interpreter's LDSHARED or LDFLAGS)",
        entry = shown(.entry), rpath = shown(.rpath)
    )]
    Rpath {
        wheel: String,
        entry: String,
        rpath: String,
    },
    #[error(
        "`{wheel}`: `{entry}` needs `{library}`, which is neither on the manylinux list of system libraries nor bundled in the wheel\n\
         hint: link it statically, or bundle it in the wheel with an `$ORIGIN` RPATH (as `auditwheel repair` does); a manylinux wheel may need only {allowed} and the dynamic loader",
        entry = shown(.entry), library = shown(.library), allowed = ALLOWED_LIBRARIES.join(", ")
    )]
    Needed {
        wheel: String,
        entry: String,
        library: String,
    },
    #[error(
        "`{wheel}`: `{entry}` is named for `{found}`, but the target is `{expected}`\n\
         hint: the build used the exec interpreter's EXT_SUFFIX; point `_PYTHON_SYSCONFIGDATA_NAME` at the target's sysconfig data",
        entry = shown(.entry), found = shown(.found)
    )]
    ExtensionSuffix {
        wheel: String,
        entry: String,
        found: String,
        expected: String,
    },
    #[error(
        "`{wheel}`: `{entry}` starts with the ELF magic but cannot be parsed: {message}\n\
         hint: the build wrote a damaged file; rebuild it",
        entry = shown(.entry), message = shown(.message)
    )]
    ElfParse {
        wheel: String,
        entry: String,
        message: String,
    },
    #[error(
        "`{wheel}` has no compiled code (no ELF file){tagged}, but the package must be native\n\
         hint: the backend fell back to pure Python, most likely because the extension failed to compile: look for the compiler error in the backend's output"
    )]
    NotNative { wheel: String, tagged: String },
    #[error(
        "`{wheel}` has compiled code but is tagged `{tags}`, and the package must be native\n\
         hint: a wheel with extension modules needs the platform tag of its target; check the backend's configuration (e.g. `ext_modules`)",
        tags = shown(.tags)
    )]
    NativeTaggedAny { wheel: String, tags: String },
    #[error(
        "`{wheel}` becomes `{expected}` once retagged, but --output names `{output}`\n\
         hint: name the output after the wheel's tags, or pass an existing directory as --output",
        expected = shown(.expected), output = shown_path(.output)
    )]
    OutputName {
        wheel: String,
        expected: String,
        output: PathBuf,
    },
    #[error(
        "cannot check `{wheel}`: glibc {glibc} has no manylinux policy here; the oldest ceiling checked is 2.17 (manylinux2014)\n\
         hint: target glibc 2.17 or newer"
    )]
    UnsupportedGlibc { wheel: String, glibc: GlibcVersion },
}

/// A symbol version need that the policy refuses.
#[derive(Debug)]
pub struct SymbolNeed {
    /// The version, e.g. `GLIBCXX_3.4.29`.
    pub version: String,
    /// What needs it, e.g. "symbol `expf` from libm.so.6".
    pub requirement: String,
    /// The limit it is above.
    pub limit: String,
    /// What to do.
    pub hint: String,
}

/// One file of the wheel.
struct Entry {
    index: usize,
    name: String,
    size: u64,
    executable: bool,
}

/// Checks `wheel` for `opts` and writes it retagged to `output` (a file, or
/// an existing directory that gets the retagged filename). Returns the path
/// written. On error nothing is written.
pub fn check_wheel(
    wheel: &Path,
    output: &Path,
    opts: &CheckOptions,
) -> Result<PathBuf, CheckError> {
    let shown_wheel = shown_path(wheel);
    let policy = Policy::new(opts.cpu, opts.glibc).ok_or_else(|| CheckError::UnsupportedGlibc {
        wheel: shown_wheel.clone(),
        glibc: opts.glibc,
    })?;
    let invalid = |message: String| CheckError::Invalid {
        wheel: shown_wheel.clone(),
        message,
    };
    let file = File::open(wheel).map_err(|source| CheckError::Read {
        path: wheel.to_path_buf(),
        source,
    })?;
    let mut archive = ZipArchive::new(BufReader::new(file))
        .map_err(|e| invalid(format!("it is not a readable zip archive: {e}")))?;
    let entries = list_entries(&mut archive, &shown_wheel)?;

    // Metadata: the name and version come from the `.dist-info` directory and
    // the tags from WHEEL, not from the input's file name (a build rule may
    // have named it before the build).
    let dist_info = dist_info_dir(&entries).map_err(invalid)?;
    let wheel_path = format!("{dist_info}/WHEEL");
    let record_path = format!("{dist_info}/RECORD");
    let find = |name: &str| entries.iter().find(|e| e.name == name);
    let wheel_entry =
        find(&wheel_path).ok_or_else(|| invalid(format!("it has no `{}`", shown(&wheel_path))))?;
    let record_entry = find(&record_path)
        .ok_or_else(|| invalid(format!("it has no `{}`", shown(&record_path))))?;
    let wheel_text = read_text(&mut archive, wheel_entry, MAX_WHEEL_BYTES).map_err(invalid)?;
    let record_text = read_text(&mut archive, record_entry, MAX_RECORD_BYTES).map_err(invalid)?;
    let metadata = WheelMetadata::parse(&wheel_text)
        .map_err(|m| invalid(format!("`{}`: {m}", shown(&wheel_path))))?;
    let tags = TagSets::new(&metadata.tags)
        .map_err(|m| invalid(format!("`{}`: {m}", shown(&wheel_path))))?;
    let old_tags = tags.tags().join(", ");

    // Platform tags.
    let retagged = format!(
        "manylinux_{}_{}_{}",
        opts.glibc.major, opts.glibc.minor, opts.cpu
    );
    let mut platforms: Vec<String> = Vec::new();
    for tag in &tags.platforms {
        let new = if tag == "any" {
            "any".to_string()
        } else if platform_arch(tag) == Some(opts.cpu) {
            retagged.clone()
        } else {
            return Err(CheckError::Platform {
                wheel: shown_wheel,
                tag: tag.clone(),
                cpu: opts.cpu,
            });
        };
        if !platforms.contains(&new) {
            platforms.push(new);
        }
    }
    let is_any = platforms.iter().all(|p| p == "any");
    let new_tag_sets = TagSets {
        platforms: platforms.clone(),
        ..tags.clone()
    };

    // ELF files.
    let mut elves: BTreeMap<String, ElfInfo> = BTreeMap::new();
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for entry in &sorted {
        if let Some(info) = read_elf(&mut archive, entry, &shown_wheel)? {
            elves.insert(entry.name.clone(), info);
        }
    }
    let files: BTreeSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let all_origin_dirs: BTreeSet<String> = elves
        .iter()
        .flat_map(|(name, info)| origin_dirs(name, info))
        .collect();
    for (name, info) in &elves {
        check_elf(
            name,
            info,
            &policy,
            opts,
            &shown_wheel,
            &files,
            &all_origin_dirs,
        )?;
    }
    if opts.native {
        if elves.is_empty() {
            return Err(CheckError::NotNative {
                wheel: shown_wheel,
                tagged: if is_any {
                    format!(" and is tagged `{}`", shown(&old_tags))
                } else {
                    String::new()
                },
            });
        }
        if is_any {
            return Err(CheckError::NativeTaggedAny {
                wheel: shown_wheel,
                tags: old_tags,
            });
        }
    }

    // The new name, checked against the target's tags.
    let stem = dist_info.trim_end_matches(".dist-info");
    let build = metadata
        .build
        .as_ref()
        .map_or(String::new(), |b| format!("-{b}"));
    let new_name = format!("{stem}{build}-{}.whl", new_tag_sets.compressed());
    let new_filename = WheelFilename::from_str(&new_name).map_err(|e| invalid(e.to_string()))?;
    let arch = match opts.cpu {
        Cpu::X86_64 => Arch::X86_64,
        Cpu::Aarch64 => Arch::Aarch64,
    };
    let target = TargetEnv {
        freethreaded: opts.python.freethreaded,
        ..TargetEnv::linux_glibc(
            arch,
            (opts.glibc.major as u16, opts.glibc.minor as u16),
            (opts.python.major, opts.python.minor),
        )
    };
    if target.best_wheel([&new_filename]).is_none() {
        let tags: BTreeSet<String> = new_filename.tags().map(|t| t.to_string()).collect();
        return Err(CheckError::Python {
            wheel: shown_wheel,
            tags: join(&tags),
            python: opts.python,
            cpu: opts.cpu,
        });
    }

    // New WHEEL and RECORD.
    let new_tags = new_tag_sets.tags();
    let new_wheel = WheelMetadata::rewrite(
        &wheel_text,
        &new_tags,
        if is_any { None } else { Some(false) },
    );
    let new_record = rewrite_record(&record_text, &wheel_path, new_wheel.as_bytes())
        .map_err(|m| invalid(format!("`{}`: {m}", shown(&record_path))))?;

    // Output.
    let destination = if output.is_dir() {
        output.join(&new_name)
    } else {
        if let Some(out_name) = output.file_name().and_then(|n| n.to_str()) {
            if WheelFilename::from_str(out_name).is_ok() && out_name != new_name {
                return Err(CheckError::OutputName {
                    wheel: shown_wheel,
                    expected: new_name,
                    output: output.to_path_buf(),
                });
            }
        }
        output.to_path_buf()
    };
    let mut order: Vec<&Entry> = sorted.clone();
    let in_dist_info = |e: &Entry| e.name.starts_with(&format!("{dist_info}/"));
    order.sort_by_key(|e| (in_dist_info(e), e.name == record_path, e.name.clone()));
    write_atomically(&destination, |out| {
        let mut zip = ZipWriter::new(out);
        for entry in &order {
            let options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .last_modified_time(ofiuco_archive::fixed_time())
                .unix_permissions(normalized_mode(entry.executable))
                .large_file(entry.size >= u64::from(u32::MAX));
            zip.start_file(entry.name.as_str(), options)
                .map_err(io::Error::other)?;
            if entry.name == wheel_path {
                zip.write_all(new_wheel.as_bytes())?;
            } else if entry.name == record_path {
                zip.write_all(new_record.as_bytes())?;
            } else {
                let mut reader = archive.by_index(entry.index).map_err(io::Error::other)?;
                io::copy(&mut reader, &mut zip)?;
            }
        }
        zip.finish().map_err(io::Error::other)?;
        Ok(())
    })
    .map_err(|source| CheckError::Write {
        path: destination.clone(),
        source,
    })?;
    Ok(destination)
}

fn join(tags: &BTreeSet<String>) -> String {
    tags.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Every file entry, with its name checked. Directories are dropped.
fn list_entries<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    wheel: &str,
) -> Result<Vec<Entry>, CheckError> {
    let mut entries = Vec::with_capacity(archive.len());
    let mut seen = BTreeSet::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let file = archive
            .by_index_raw(index)
            .map_err(|e| CheckError::Invalid {
                wheel: wheel.to_string(),
                message: format!("entry {index} cannot be read: {e}"),
            })?;
        let raw = file.name_raw().to_vec();
        let unsafe_entry = |reason| CheckError::UnsafeEntry {
            wheel: wheel.to_string(),
            entry: String::from_utf8_lossy(&raw).into_owned(),
            reason,
        };
        let name = std::str::from_utf8(&raw)
            .map_err(|_| unsafe_entry("has a name that is not UTF-8"))?
            .to_string();
        if file.is_dir() {
            continue;
        }
        if let Some(reason) = unsafe_path(&name) {
            return Err(unsafe_entry(reason));
        }
        let mode = file.unix_mode().unwrap_or(0o644);
        if mode & 0o170000 == 0o120000 {
            return Err(unsafe_entry(
                "is a symbolic link; wheels hold regular files only",
            ));
        }
        if !seen.insert(name.clone()) {
            return Err(unsafe_entry("is in the archive twice"));
        }
        total = total.saturating_add(file.size());
        if total > MAX_UNPACKED_BYTES {
            return Err(CheckError::Invalid {
                wheel: wheel.to_string(),
                message: format!("its files add up to more than {MAX_UNPACKED_BYTES} bytes"),
            });
        }
        entries.push(Entry {
            index,
            name,
            size: file.size(),
            executable: mode & 0o111 != 0,
        });
    }
    Ok(entries)
}

/// Why an archive path is unsafe to unpack: absolute, `..`, empty or `.`
/// components, backslashes, NUL.
pub(crate) fn unsafe_path(name: &str) -> Option<&'static str> {
    if name.starts_with('/') {
        return Some("is an absolute path");
    }
    if name.contains('\\') || name.contains('\0') {
        return Some("has a backslash or NUL in its name");
    }
    if name.split('/').any(|c| c == "..") {
        return Some("has a `..` component (path traversal)");
    }
    if name.split('/').any(|c| c.is_empty() || c == ".") {
        return Some("has an empty or `.` path component");
    }
    None
}

/// The one top-level `*.dist-info` directory.
fn dist_info_dir(entries: &[Entry]) -> Result<String, String> {
    let dirs: BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| e.name.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(".dist-info"))
        .collect();
    match dirs.len() {
        1 => Ok(dirs.into_iter().next().unwrap_or_default().to_string()),
        0 => Err("it has no `.dist-info` directory".into()),
        _ => Err(format!(
            "it has several `.dist-info` directories: {}",
            shown(&dirs.into_iter().collect::<Vec<_>>().join(", "))
        )),
    }
}

fn read_text<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    entry: &Entry,
    limit: u64,
) -> Result<String, String> {
    if entry.size > limit {
        return Err(format!(
            "`{}` is {} bytes, more than the {limit} bytes allowed",
            shown(&entry.name),
            entry.size
        ));
    }
    let reader = archive
        .by_index(entry.index)
        .map_err(|e| format!("`{}` cannot be read: {e}", shown(&entry.name)))?;
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("`{}` cannot be read: {e}", shown(&entry.name)))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "`{}` is larger than its header says",
            shown(&entry.name)
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("`{}` is not UTF-8", shown(&entry.name)))
}

/// Reads `entry` if it starts with the ELF magic.
fn read_elf<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    entry: &Entry,
    wheel: &str,
) -> Result<Option<ElfInfo>, CheckError> {
    if entry.size < 4 {
        return Ok(None);
    }
    let invalid = |message: String| CheckError::Invalid {
        wheel: wheel.to_string(),
        message,
    };
    let mut reader = archive
        .by_index(entry.index)
        .map_err(|e| invalid(format!("`{}` cannot be read: {e}", shown(&entry.name))))?;
    let mut magic = [0u8; 4];
    reader
        .read_exact(&mut magic)
        .map_err(|e| invalid(format!("`{}` cannot be read: {e}", shown(&entry.name))))?;
    if !elf::is_elf(&magic) {
        return Ok(None);
    }
    if entry.size > MAX_ELF_BYTES {
        return Err(invalid(format!(
            "`{}` is an ELF file of {} bytes, more than the {MAX_ELF_BYTES} bytes checked",
            shown(&entry.name),
            entry.size
        )));
    }
    let mut bytes = magic.to_vec();
    reader
        .take(MAX_ELF_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| invalid(format!("`{}` cannot be read: {e}", shown(&entry.name))))?;
    elf::inspect(&bytes)
        .map(Some)
        .map_err(|e| CheckError::ElfParse {
            wheel: wheel.to_string(),
            entry: entry.name.clone(),
            message: e.to_string(),
        })
}

/// The CPU of a Linux platform tag: `linux_aarch64`, `manylinux_2_17_x86_64`,
/// `manylinux2014_aarch64`, `manylinux1_x86_64`.
fn platform_arch(tag: &str) -> Option<Cpu> {
    let arch = if let Some(rest) = tag.strip_prefix("linux_") {
        rest
    } else if let Some(rest) = tag.strip_prefix("manylinux_") {
        // manylinux_2_17_x86_64: two numbers, then the arch.
        let mut parts = rest.splitn(3, '_');
        let (major, minor, arch) = (parts.next()?, parts.next()?, parts.next()?);
        if major.parse::<u32>().is_err() || minor.parse::<u32>().is_err() {
            return None;
        }
        arch
    } else {
        let rest = tag.strip_prefix("manylinux")?;
        let (legacy, arch) = rest.split_once('_')?;
        if !["1", "2010", "2014"].contains(&legacy) {
            return None;
        }
        arch
    };
    match arch {
        "x86_64" => Some(Cpu::X86_64),
        "aarch64" => Some(Cpu::Aarch64),
        _ => None,
    }
}

/// The wheel directories an ELF file's `$ORIGIN` RPATH/RUNPATH entries name.
fn origin_dirs(name: &str, info: &ElfInfo) -> Vec<String> {
    let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
    info.rpath
        .iter()
        .chain(&info.runpath)
        .filter_map(|entry| {
            let rest = entry
                .strip_prefix("$ORIGIN")
                .or_else(|| entry.strip_prefix("${ORIGIN}"))?;
            normalize(&format!("{dir}/{rest}"))
        })
        .collect()
}

/// `a/b/../c/.` → `a/c`; `None` if it leaves the wheel's root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn check_elf(
    name: &str,
    info: &ElfInfo,
    policy: &Policy,
    opts: &CheckOptions,
    wheel: &str,
    files: &BTreeSet<&str>,
    all_origin_dirs: &BTreeSet<String>,
) -> Result<(), CheckError> {
    if info.e_machine != opts.cpu.e_machine() {
        return Err(CheckError::Machine {
            wheel: wheel.to_string(),
            entry: name.to_string(),
            found: machine_name(info.e_machine),
            cpu: opts.cpu,
            glibc: opts.glibc,
        });
    }
    for need in &info.version_needs {
        if let Err(problem) = policy.check_version(&need.name) {
            let requirement = match &need.symbol {
                Some(symbol) => format!("symbol `{symbol}` from {}", need.library),
                None => format!("a version need on {}", need.library),
            };
            return Err(CheckError::SymbolVersion {
                wheel: wheel.to_string(),
                entry: name.to_string(),
                need: Box::new(SymbolNeed {
                    version: need.name.clone(),
                    requirement,
                    limit: problem.limit,
                    hint: symbol_hint(problem.namespace, opts),
                }),
            });
        }
    }
    if let Some(entry) = info
        .rpath
        .iter()
        .chain(&info.runpath)
        .find(|e| !e.starts_with("$ORIGIN") && !e.starts_with("${ORIGIN}"))
    {
        return Err(CheckError::Rpath {
            wheel: wheel.to_string(),
            entry: name.to_string(),
            rpath: entry.clone(),
        });
    }
    let own_dirs = origin_dirs(name, info);
    for library in &info.needed {
        if library.starts_with("libpython") {
            return Err(CheckError::Libpython {
                wheel: wheel.to_string(),
                entry: name.to_string(),
                library: library.clone(),
            });
        }
        if policy.allows_library(library) {
            continue;
        }
        let bundled = !library.contains('/')
            && own_dirs
                .iter()
                .chain(all_origin_dirs)
                .any(|dir| files.contains(join_path(dir, library).as_str()));
        if !bundled {
            return Err(CheckError::Needed {
                wheel: wheel.to_string(),
                entry: name.to_string(),
                library: library.clone(),
            });
        }
    }
    if let Some(found) = extension_target(name) {
        let expected = format!(
            "cpython-{}{}{}-{}-linux-gnu",
            opts.python.major,
            opts.python.minor,
            if opts.python.freethreaded { "t" } else { "" },
            opts.cpu
        );
        if found != expected {
            return Err(CheckError::ExtensionSuffix {
                wheel: wheel.to_string(),
                entry: name.to_string(),
                found: found.to_string(),
                expected,
            });
        }
    }
    Ok(())
}

fn join_path(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// `cpython-311-aarch64-linux-gnu` of `pkg/_ext.cpython-311-aarch64-linux-gnu.so`.
fn extension_target(name: &str) -> Option<&str> {
    let base = name.rsplit('/').next()?;
    let stem = base.strip_suffix(".so")?;
    let (_, suffix) = stem.rsplit_once('.')?;
    suffix.starts_with("cpython-").then_some(suffix)
}

fn symbol_hint(namespace: Namespace, opts: &CheckOptions) -> String {
    let zig = format!("`zig cc -target {}-linux-gnu.{}`", opts.cpu, opts.glibc);
    match namespace {
        Namespace::Glibc => format!(
            "target a newer glibc (a platform with a higher `@ofiuco//python/libc` ceiling), \
             or build with a compiler that links against glibc {} (e.g. {zig})",
            opts.glibc
        ),
        Namespace::Glibcxx | Namespace::Cxxabi => format!(
            "the C++ runtime it was linked against is newer than the target's: link it statically \
             (`-static-libstdc++`, or {zig}, which links LLVM's libc++ statically), or target a newer glibc"
        ),
        Namespace::Gcc => format!(
            "libgcc_s on the target is older: link it statically (`-static-libgcc`, or build with {zig}), \
             or target a newer glibc"
        ),
    }
}

/// WHEEL's tags as the three sets a filename compresses them into.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TagSets {
    pythons: Vec<String>,
    abis: Vec<String>,
    platforms: Vec<String>,
}

impl TagSets {
    /// The sets of `python-abi-platform` tags, in order of appearance; the
    /// tags must be their cross product (as a filename can only say that).
    fn new(tags: &[String]) -> Result<Self, String> {
        let mut sets = TagSets {
            pythons: Vec::new(),
            abis: Vec::new(),
            platforms: Vec::new(),
        };
        let mut unique = BTreeSet::new();
        for tag in tags {
            let parts: Vec<&str> = tag.split('-').collect();
            let [python, abi, platform] = parts[..] else {
                return Err(format!(
                    "`Tag: {}` is not `python-abi-platform`",
                    shown(tag)
                ));
            };
            if [python, abi, platform].iter().any(|p| p.is_empty()) {
                return Err(format!("`Tag: {}` has an empty part", shown(tag)));
            }
            for (set, value) in [
                (&mut sets.pythons, python),
                (&mut sets.abis, abi),
                (&mut sets.platforms, platform),
            ] {
                if !set.iter().any(|v| v == value) {
                    set.push(value.to_string());
                }
            }
            unique.insert(tag.as_str());
        }
        if unique.len() != sets.pythons.len() * sets.abis.len() * sets.platforms.len() {
            return Err(format!(
                "its tags ({}) are not every combination of their python, ABI and platform parts, \
                 so no wheel filename can name them",
                shown(&tags.join(", "))
            ));
        }
        Ok(sets)
    }

    /// Every tag, pythons × ABIs × platforms.
    fn tags(&self) -> Vec<String> {
        let mut out = Vec::new();
        for python in &self.pythons {
            for abi in &self.abis {
                for platform in &self.platforms {
                    out.push(format!("{python}-{abi}-{platform}"));
                }
            }
        }
        out
    }

    /// `py2.py3-none-any`: the filename form.
    fn compressed(&self) -> String {
        format!(
            "{}-{}-{}",
            self.pythons.join("."),
            self.abis.join("."),
            self.platforms.join(".")
        )
    }
}

/// The fields of WHEEL this check uses.
struct WheelMetadata {
    tags: Vec<String>,
    /// The `Build:` tag, if any.
    build: Option<String>,
}

impl WheelMetadata {
    fn parse(text: &str) -> Result<Self, String> {
        let mut version = None;
        let mut build = None;
        let mut tags = Vec::new();
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            match key.trim() {
                "Wheel-Version" => version = Some(value.trim().to_string()),
                "Tag" => tags.push(value.trim().to_string()),
                "Build" => build = Some(value.trim().to_string()),
                _ => {}
            }
        }
        match version.as_deref() {
            None => return Err("it has no `Wheel-Version`".into()),
            Some(v) if v.split('.').next() != Some("1") => {
                return Err(format!("`Wheel-Version: {}` is not 1.x", shown(v)))
            }
            _ => {}
        }
        if tags.is_empty() {
            return Err("it has no `Tag:` line".into());
        }
        Ok(WheelMetadata { tags, build })
    }

    /// WHEEL with its `Tag:` lines replaced by `tags` (where the first one
    /// was) and `Root-Is-Purelib` set when `purelib` is given.
    fn rewrite(text: &str, tags: &[String], purelib: Option<bool>) -> String {
        let mut out = String::with_capacity(text.len() + 64);
        let mut tags_written = false;
        let mut purelib_written = false;
        for line in text.lines() {
            let key = line.split_once(':').map(|(k, _)| k.trim());
            match key {
                Some("Tag") => {
                    if !tags_written {
                        for tag in tags {
                            out.push_str(&format!("Tag: {tag}\n"));
                        }
                        tags_written = true;
                    }
                }
                Some("Root-Is-Purelib") if purelib.is_some() => {
                    out.push_str(&format!("Root-Is-Purelib: {}\n", purelib.unwrap_or(false)));
                    purelib_written = true;
                }
                _ => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        if let (Some(purelib), false) = (purelib, purelib_written) {
            out.push_str(&format!("Root-Is-Purelib: {purelib}\n"));
        }
        out
    }
}

/// RECORD with the row of `wheel_path` given the hash and size of `wheel`.
fn rewrite_record(text: &str, wheel_path: &str, wheel: &[u8]) -> Result<String, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(wheel));
    let mut found = false;
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {} is not valid CSV: {e}", row + 1))?;
        if record.get(0) == Some(wheel_path) {
            found = true;
            writer
                .write_record([
                    wheel_path,
                    &format!("sha256={hash}"),
                    &wheel.len().to_string(),
                ])
                .map_err(|e| e.to_string())?;
        } else {
            writer.write_record(&record).map_err(|e| e.to_string())?;
        }
    }
    if !found {
        return Err(format!("it has no row for `{}`", shown(wheel_path)));
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_targets() {
        assert_eq!(
            "3.13t".parse::<PythonTarget>().unwrap(),
            PythonTarget {
                major: 3,
                minor: 13,
                freethreaded: true
            }
        );
        assert_eq!("3.11".parse::<PythonTarget>().unwrap().to_string(), "3.11");
        insta::assert_snapshot!("311".parse::<PythonTarget>().unwrap_err(), @"invalid Python version `311`; expected e.g. `3.11` or `3.13t`");
        assert!("2.7".parse::<PythonTarget>().is_err());
    }

    #[test]
    fn platform_tags() {
        assert_eq!(platform_arch("linux_aarch64"), Some(Cpu::Aarch64));
        assert_eq!(platform_arch("manylinux_2_17_x86_64"), Some(Cpu::X86_64));
        assert_eq!(platform_arch("manylinux2014_aarch64"), Some(Cpu::Aarch64));
        assert_eq!(platform_arch("manylinux_x_17_x86_64"), None);
        assert_eq!(platform_arch("musllinux_1_2_aarch64"), None);
        assert_eq!(platform_arch("macosx_11_0_arm64"), None);
        assert_eq!(platform_arch("linux_armv7l"), None);
    }

    #[test]
    fn paths() {
        assert_eq!(unsafe_path("pkg/a.py"), None);
        assert!(unsafe_path("/etc/passwd").is_some());
        assert!(unsafe_path("pkg/../../x").is_some());
        assert!(unsafe_path("pkg//x").is_some());
        assert!(unsafe_path("pkg\\..\\x").is_some());
        assert_eq!(normalize("pkg/../pkg.libs"), Some("pkg.libs".into()));
        assert_eq!(normalize("pkg/../../x"), None);
    }

    #[test]
    fn extension_names() {
        assert_eq!(
            extension_target("crcmod/_crcfunext.cpython-311-aarch64-linux-gnu.so"),
            Some("cpython-311-aarch64-linux-gnu")
        );
        assert_eq!(extension_target("pkg/_x.abi3.so"), None);
        assert_eq!(extension_target("pkg.libs/libfoo-1a2b.so.1"), None);
        assert_eq!(extension_target("pkg/libfoo.so"), None);
    }

    #[test]
    fn wheel_rewrite() {
        let text = "Wheel-Version: 1.0\nGenerator: setuptools (75.1.0)\nRoot-Is-Purelib: true\nTag: cp311-cp311-linux_aarch64\n\n";
        let meta = WheelMetadata::parse(text).unwrap();
        assert_eq!(meta.tags, ["cp311-cp311-linux_aarch64"]);
        assert_eq!(meta.build, None);
        let new = WheelMetadata::rewrite(
            text,
            &["cp311-cp311-manylinux_2_26_aarch64".into()],
            Some(false),
        );
        assert_eq!(new, "Wheel-Version: 1.0\nGenerator: setuptools (75.1.0)\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_26_aarch64\n\n");
        insta::assert_snapshot!(WheelMetadata::parse("Wheel-Version: 2.0\nTag: a-b-c\n").err().unwrap(), @"`Wheel-Version: 2.0` is not 1.x");
        insta::assert_snapshot!(WheelMetadata::parse("Wheel-Version: 1.0\n").err().unwrap(), @"it has no `Tag:` line");
    }

    #[test]
    fn tag_sets() {
        let tags = |t: &[&str]| {
            TagSets::new(
                &t.iter()
                    .map(std::string::ToString::to_string)
                    .collect::<Vec<_>>(),
            )
        };
        let sets = tags(&["py2-none-any", "py3-none-any"]).unwrap();
        assert_eq!(sets.compressed(), "py2.py3-none-any");
        assert_eq!(sets.tags(), ["py2-none-any", "py3-none-any"]);
        insta::assert_snapshot!(tags(&["cp311-cp311-linux_x86_64", "py3-none-any"]).unwrap_err(), @"its tags (cp311-cp311-linux_x86_64, py3-none-any) are not every combination of their python, ABI and platform parts, so no wheel filename can name them");
        insta::assert_snapshot!(tags(&["cp311-linux_x86_64"]).unwrap_err(), @"`Tag: cp311-linux_x86_64` is not `python-abi-platform`");
    }

    #[test]
    fn record_rewrite() {
        let record = "pkg/a.py,sha256=abc,3\n\"pkg/a,b.py\",sha256=def,4\npkg-1.0.dist-info/WHEEL,sha256=old,1\npkg-1.0.dist-info/RECORD,,\n";
        let new = rewrite_record(record, "pkg-1.0.dist-info/WHEEL", b"hello").unwrap();
        assert_eq!(
            new,
            "pkg/a.py,sha256=abc,3\n\"pkg/a,b.py\",sha256=def,4\npkg-1.0.dist-info/WHEEL,sha256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ,5\npkg-1.0.dist-info/RECORD,,\n"
        );
        insta::assert_snapshot!(rewrite_record("a,b,c\n", "x/WHEEL", b"").unwrap_err(), @"it has no row for `x/WHEEL`");
    }
}

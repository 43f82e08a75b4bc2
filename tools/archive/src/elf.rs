//! ELF checks: does a shared object run on the target CPU and glibc?
//!
//! Files are recognized by their magic (`\x7fELF`), not their extension. The
//! CPU check compares `e_machine`; the glibc check reads the version needs
//! (`.gnu.version_r`, `DT_VERNEED`) and compares every `GLIBC_2.X` entry with
//! the ceiling. Other version namespaces (`GLIBCXX_`, `CXXABI_`, ...) belong
//! to other libraries and are not compared.

use std::fmt;
use std::str::FromStr;

use goblin::elf::header::{EM_AARCH64, EM_X86_64};
use goblin::elf::Elf;

/// The CPUs AWS Lambda and the container targets run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cpu {
    X86_64,
    Aarch64,
}

impl Cpu {
    pub fn e_machine(self) -> u16 {
        match self {
            Cpu::X86_64 => EM_X86_64,
            Cpu::Aarch64 => EM_AARCH64,
        }
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cpu::X86_64 => "x86_64",
            Cpu::Aarch64 => "aarch64",
        })
    }
}

impl FromStr for Cpu {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "x86_64" | "amd64" => Ok(Cpu::X86_64),
            "aarch64" | "arm64" => Ok(Cpu::Aarch64),
            _ => Err(format!(
                "unknown CPU `{s}`; expected `x86_64` (or `amd64`) or `aarch64` (or `arm64`)"
            )),
        }
    }
}

/// Names `e_machine` values the way wheel tags do.
pub fn machine_name(e_machine: u16) -> String {
    use goblin::elf::header::{
        machine_to_str, EM_386, EM_AARCH64, EM_ARM, EM_PPC64, EM_RISCV, EM_S390, EM_X86_64,
    };
    match e_machine {
        EM_X86_64 => "x86_64".into(),
        EM_AARCH64 => "aarch64".into(),
        EM_386 => "i686".into(),
        EM_ARM => "armv7l".into(),
        EM_PPC64 => "ppc64le".into(),
        EM_S390 => "s390x".into(),
        EM_RISCV => "riscv64".into(),
        other => format!("{} (e_machine {other})", machine_to_str(other)),
    }
}

/// A glibc version such as 2.26.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlibcVersion {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for GlibcVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid glibc version `{s}`; expected e.g. `2.26`");
        let (major, minor) = s.split_once('.').ok_or_else(bad)?;
        let minor = minor.split('.').next().unwrap_or(minor);
        Ok(GlibcVersion {
            major: major.parse().map_err(|_| bad())?,
            minor: minor.parse().map_err(|_| bad())?,
        })
    }
}

impl GlibcVersion {
    /// Parses the name of a version need, `GLIBC_2.34` or `GLIBC_2.2.5`;
    /// `None` for other namespaces and for `GLIBC_PRIVATE`.
    pub fn from_version_name(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("GLIBC_")?;
        let mut parts = rest.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
        Some(GlibcVersion { major, minor })
    }
}

/// What to check ELF files against; `None` fields are not checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ElfCheck {
    pub cpu: Option<Cpu>,
    pub glibc: Option<GlibcVersion>,
}

impl ElfCheck {
    pub fn is_enabled(&self) -> bool {
        self.cpu.is_some() || self.glibc.is_some()
    }
}

/// The highest `GLIBC_` version an ELF file needs, and what needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlibcNeed {
    pub version: GlibcVersion,
    /// The library the version is needed from, e.g. `libc.so.6`.
    pub library: String,
    /// The first dynamic symbol bound to that version, if any.
    pub symbol: Option<String>,
}

impl GlibcNeed {
    /// "symbol `pthread_create` from libc.so.6" or "version need on libc.so.6".
    pub fn describe(&self) -> String {
        match &self.symbol {
            Some(symbol) => format!("symbol `{symbol}` from {}", self.library),
            None => format!("a version need on {}", self.library),
        }
    }
}

/// One symbol version an ELF file needs (an entry of `.gnu.version_r`),
/// e.g. `GLIBCXX_3.4.29` from `libstdc++.so.6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionNeed {
    /// The library the version is needed from, e.g. `libstdc++.so.6`.
    pub library: String,
    /// The version name, e.g. `GLIBCXX_3.4.29`.
    pub name: String,
    /// The first dynamic symbol bound to that version, if any.
    pub symbol: Option<String>,
}

/// What [`inspect`] learned about one ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub e_machine: u16,
    /// The highest `GLIBC_2.X` version need.
    pub glibc: Option<GlibcNeed>,
    /// Every version need, in file order.
    pub version_needs: Vec<VersionNeed>,
    /// `DT_NEEDED` entries, in file order.
    pub needed: Vec<String>,
    /// `DT_RPATH` entries, split at `:`.
    pub rpath: Vec<String>,
    /// `DT_RUNPATH` entries, split at `:`.
    pub runpath: Vec<String>,
}

/// Why an ELF file fails an [`ElfCheck`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfProblem {
    Machine {
        found: u16,
        expected: Cpu,
    },
    Glibc {
        need: GlibcNeed,
        ceiling: GlibcVersion,
    },
}

/// True if `bytes` starts with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// A buffer of the file's length (`size` bytes) holding only the parts of an
/// ELF file that [`inspect`] reads, at their offsets: the header, the program
/// and section headers, the section names, the `PT_DYNAMIC` and `PT_INTERP`
/// segments, and the dynamic-linking sections (`.dynamic`, `.dynsym`, the
/// hash tables, `.gnu.version*`) with their string tables. Code, data and
/// `.symtab` are never read; pages of the buffer that are not written are
/// never touched (a zeroed allocation maps them lazily), so memory follows
/// these parts, not the file (`libtorch_cuda.so` is 858 MiB).
///
/// `read(buf, offset)` fills `buf` from the file at `offset`. `None` when the
/// file does not have the expected shape (then read it whole: a buffer with
/// holes must never let a malformed file pass a check).
pub fn read_parts(
    size: u64,
    read: &mut dyn FnMut(&mut [u8], u64) -> std::io::Result<()>,
) -> std::io::Result<Option<Vec<u8>>> {
    use goblin::container::Ctx;
    use goblin::elf::program_header::{PT_DYNAMIC, PT_INTERP};
    use goblin::elf::section_header::{
        SHT_DYNAMIC, SHT_DYNSYM, SHT_GNU_HASH, SHT_GNU_VERDEF, SHT_GNU_VERNEED, SHT_GNU_VERSYM,
        SHT_HASH,
    };
    use goblin::elf::{ProgramHeader, SectionHeader};
    let Ok(len) = usize::try_from(size) else {
        return Ok(None);
    };
    let mut buf = vec![0u8; len];
    let mut fill = |buf: &mut Vec<u8>, offset: u64, bytes: u64| -> std::io::Result<bool> {
        let Some(end) = offset.checked_add(bytes).filter(|end| *end <= size) else {
            return Ok(false);
        };
        read(&mut buf[offset as usize..end as usize], offset)?;
        Ok(true)
    };
    let header_len = 64.min(size);
    if !fill(&mut buf, 0, header_len)? {
        return Ok(None);
    }
    let Ok(header) = Elf::parse_header(&buf) else {
        return Ok(None);
    };
    let (Ok(container), Ok(endian)) = (header.container(), header.endianness()) else {
        return Ok(None);
    };
    let ctx = Ctx::new(container, endian);
    let table =
        |offset: u64, count: u64, entry: u16| (offset, count.saturating_mul(u64::from(entry)));
    let (ph_off, ph_len) = table(
        header.e_phoff,
        u64::from(header.e_phnum),
        header.e_phentsize,
    );
    if !fill(&mut buf, ph_off, ph_len)? {
        return Ok(None);
    }
    let Ok(programs) = ProgramHeader::parse(&buf, ph_off as usize, header.e_phnum as usize, ctx)
    else {
        return Ok(None);
    };
    for ph in &programs {
        if matches!(ph.p_type, PT_DYNAMIC | PT_INTERP) && !fill(&mut buf, ph.p_offset, ph.p_filesz)?
        {
            return Ok(None);
        }
    }
    // More than 0xff00 sections: the count is the first section header's sh_size.
    let mut count = u64::from(header.e_shnum);
    if header.e_shoff != 0 {
        if !fill(&mut buf, header.e_shoff, u64::from(header.e_shentsize))? {
            return Ok(None);
        }
        if count == 0 {
            let Ok(first) = SectionHeader::parse(&buf, header.e_shoff as usize, 1, ctx) else {
                return Ok(None);
            };
            count = first.first().map_or(0, |s| s.sh_size);
        }
    }
    let (sh_off, sh_len) = table(header.e_shoff, count, header.e_shentsize);
    if !fill(&mut buf, sh_off, sh_len)? {
        return Ok(None);
    }
    let Ok(sections) = SectionHeader::parse(&buf, sh_off as usize, header.e_shnum as usize, ctx)
    else {
        return Ok(None);
    };
    let mut wanted: Vec<usize> = vec![header.e_shstrndx as usize];
    if let Some(first) = sections.first() {
        wanted.push(first.sh_link as usize); // SHN_XINDEX: the section names' index
    }
    for (i, section) in sections.iter().enumerate() {
        if matches!(
            section.sh_type,
            SHT_DYNAMIC
                | SHT_DYNSYM
                | SHT_HASH
                | SHT_GNU_HASH
                | SHT_GNU_VERSYM
                | SHT_GNU_VERNEED
                | SHT_GNU_VERDEF
        ) {
            wanted.push(i);
            wanted.push(section.sh_link as usize);
        }
    }
    for i in wanted {
        let Some(section) = sections.get(i) else {
            continue;
        };
        if section.sh_type != goblin::elf::section_header::SHT_NOBITS
            && !fill(&mut buf, section.sh_offset, section.sh_size)?
        {
            return Ok(None);
        }
    }
    Ok(Some(buf))
}

/// Reads the machine and the highest glibc version need of an ELF file. A
/// panic of the ELF parser on a malformed file is an error too.
pub fn inspect(bytes: &[u8]) -> Result<ElfInfo, goblin::error::Error> {
    std::panic::catch_unwind(|| inspect_unguarded(bytes)).unwrap_or_else(|_| {
        Err(goblin::error::Error::Malformed(
            "the ELF parser failed on it".into(),
        ))
    })
}

fn inspect_unguarded(bytes: &[u8]) -> Result<ElfInfo, goblin::error::Error> {
    let elf = Elf::parse(bytes)?;
    // The first named dynamic symbol of each version index (`vna_other`).
    let mut first_symbol: Vec<Option<&str>> = Vec::new();
    if let Some(versym) = &elf.versym {
        for (i, v) in versym.iter().enumerate() {
            let index = usize::from(v.version());
            if index >= first_symbol.len() {
                first_symbol.resize(index + 1, None);
            }
            if first_symbol[index].is_none() {
                let name = elf
                    .dynsyms
                    .get(i)
                    .and_then(|sym| elf.dynstrtab.get_at(sym.st_name));
                first_symbol[index] = name.filter(|n| !n.is_empty());
            }
        }
    }
    let symbol_of = |index: u16| {
        first_symbol
            .get(usize::from(index))
            .copied()
            .flatten()
            .map(str::to_string)
    };
    let mut version_needs = Vec::new();
    let mut best: Option<(GlibcVersion, usize)> = None;
    if let Some(verneed) = &elf.verneed {
        for need in verneed {
            let library = elf.dynstrtab.get_at(need.vn_file).unwrap_or("?");
            for aux in &need {
                let Some(name) = elf.dynstrtab.get_at(aux.vna_name) else {
                    continue;
                };
                if let Some(version) = GlibcVersion::from_version_name(name) {
                    if best.as_ref().is_none_or(|(v, _)| version > *v) {
                        best = Some((version, version_needs.len()));
                    }
                }
                version_needs.push(VersionNeed {
                    library: library.to_string(),
                    name: name.to_string(),
                    symbol: symbol_of(aux.vna_other),
                });
            }
        }
    }
    let glibc = best.map(|(version, i)| GlibcNeed {
        version,
        library: version_needs[i].library.clone(),
        symbol: version_needs[i].symbol.clone(),
    });
    let split = |entries: &[&str]| -> Vec<String> {
        entries
            .iter()
            .flat_map(|e| e.split(':'))
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(ElfInfo {
        e_machine: elf.header.e_machine,
        glibc,
        needed: elf
            .libraries
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        rpath: split(&elf.rpaths),
        runpath: split(&elf.runpaths),
        version_needs,
    })
}

/// Checks `info` against `check`; the CPU is checked first.
pub fn check(info: &ElfInfo, check: &ElfCheck) -> Result<(), ElfProblem> {
    if let Some(cpu) = check.cpu {
        if info.e_machine != cpu.e_machine() {
            return Err(ElfProblem::Machine {
                found: info.e_machine,
                expected: cpu,
            });
        }
    }
    if let (Some(ceiling), Some(need)) = (check.glibc, &info.glibc) {
        if need.version > ceiling {
            return Err(ElfProblem::Glibc {
                need: need.clone(),
                ceiling,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const X86_64_SO: &[u8] = include_bytes!("../testdata/libneeds_glibc_2_34.x86_64.so");
    const AARCH64_SO_GZ: &[u8] =
        include_bytes!("../testdata/_speedups.cpython-311-aarch64-linux-gnu.so.gz");

    fn aarch64_so() -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(AARCH64_SO_GZ)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn versions() {
        assert_eq!(
            GlibcVersion::from_version_name("GLIBC_2.2.5"),
            Some(GlibcVersion { major: 2, minor: 2 })
        );
        assert_eq!(
            GlibcVersion::from_version_name("GLIBC_2.34"),
            Some(GlibcVersion {
                major: 2,
                minor: 34
            })
        );
        assert_eq!(GlibcVersion::from_version_name("GLIBC_PRIVATE"), None);
        assert_eq!(GlibcVersion::from_version_name("GLIBCXX_3.4.29"), None);
        assert!("2.26".parse::<GlibcVersion>().unwrap() < "2.100".parse().unwrap());
        insta::assert_snapshot!("2".parse::<GlibcVersion>().unwrap_err(), @"invalid glibc version `2`; expected e.g. `2.26`");
        insta::assert_snapshot!("sparc".parse::<Cpu>().unwrap_err(), @"unknown CPU `sparc`; expected `x86_64` (or `amd64`) or `aarch64` (or `arm64`)");
    }

    /// The parts `read_parts` copies give what the whole file gives, and
    /// leave most of the file unread; a file of another shape is read whole.
    #[test]
    fn read_parts_is_enough_for_inspect() {
        let aarch64 = aarch64_so();
        for file in [X86_64_SO, aarch64.as_slice()] {
            let mut read_bytes = 0;
            let mut read = |buf: &mut [u8], offset: u64| {
                read_bytes += buf.len();
                buf.copy_from_slice(&file[offset as usize..offset as usize + buf.len()]);
                Ok(())
            };
            let parts = read_parts(file.len() as u64, &mut read).unwrap().unwrap();
            assert_eq!(parts.len(), file.len());
            let (whole, sparse) = (inspect(file).unwrap(), inspect(&parts).unwrap());
            assert_eq!(whole.e_machine, sparse.e_machine);
            assert_eq!(format!("{:?}", whole.glibc), format!("{:?}", sparse.glibc));
            assert!(whole.glibc.is_some());
            assert!(
                read_bytes < file.len() / 2,
                "{read_bytes} of {} bytes read",
                file.len()
            );
        }
        // Section headers past the end of the file: read it whole instead.
        let mut truncated = X86_64_SO[..X86_64_SO.len() / 2].to_vec();
        let mut read = |buf: &mut [u8], offset: u64| {
            buf.copy_from_slice(&truncated[offset as usize..offset as usize + buf.len()]);
            Ok(())
        };
        assert!(read_parts(truncated.len() as u64, &mut read)
            .unwrap()
            .is_none());
        truncated.clear();
    }

    #[test]
    fn x86_64_fixture_needs_glibc_2_34() {
        assert!(is_elf(X86_64_SO));
        let info = inspect(X86_64_SO).unwrap();
        assert_eq!(info.e_machine, EM_X86_64);
        let need = info.glibc.clone().unwrap();
        assert_eq!(need.version.to_string(), "2.34");
        assert_eq!(need.library, "libc.so.6");
        assert_eq!(need.describe(), "symbol `pthread_create` from libc.so.6");
        assert_eq!(info.needed, ["libc.so.6"]);
        assert!(info.rpath.is_empty() && info.runpath.is_empty());
        let names: Vec<&str> = info.version_needs.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["GLIBC_2.2.5", "GLIBC_2.34"]);
        assert_eq!(
            info.version_needs[0].symbol.as_deref(),
            Some("__cxa_finalize")
        );

        let ok = ElfCheck {
            cpu: Some(Cpu::X86_64),
            glibc: Some("2.34".parse().unwrap()),
        };
        assert_eq!(check(&info, &ok), Ok(()));
        let old = ElfCheck {
            cpu: Some(Cpu::X86_64),
            glibc: Some("2.26".parse().unwrap()),
        };
        assert!(matches!(check(&info, &old), Err(ElfProblem::Glibc { .. })));
        let arm = ElfCheck {
            cpu: Some(Cpu::Aarch64),
            glibc: None,
        };
        assert_eq!(
            check(&info, &arm),
            Err(ElfProblem::Machine {
                found: EM_X86_64,
                expected: Cpu::Aarch64
            })
        );
    }

    #[test]
    fn aarch64_fixture_from_a_manylinux_wheel() {
        let so = aarch64_so();
        let info = inspect(&so).unwrap();
        assert_eq!(machine_name(info.e_machine), "aarch64");
        // manylinux2014 (glibc 2.17) wheel: fits Lambda's AL2 (2.26).
        let need = info.glibc.unwrap();
        assert!(need.version <= "2.17".parse().unwrap(), "{need:?}");
        let lambda = ElfCheck {
            cpu: Some(Cpu::Aarch64),
            glibc: Some("2.26".parse().unwrap()),
        };
        assert_eq!(check(&inspect(&so).unwrap(), &lambda), Ok(()));
    }

    #[test]
    fn not_elf() {
        assert!(!is_elf(b"#!/bin/sh\n"));
        assert!(inspect(b"\x7fELF\x02\x01").is_err());
        assert_eq!(machine_name(8), "MIPS (e_machine 8)");
    }
}

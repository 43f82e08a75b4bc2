//! What each distribution file needs from a target, for the analysis-time
//! error when no wheel fits: `package.bzl` keeps the files of the target's
//! OS and CPU and says, per file, what does not fit. One line per file:
//!
//! `<file>|<os>|<cpus>|<libc>|<pythons>|<tag>`
//!
//! * `os`: `linux`, `macos`, `windows`, `any` (pure) or `sdist`;
//! * `cpus`: Bazel cpu names (`x86_64,aarch64`; `any`);
//! * `libc`: the oldest C library among its tags (`glibc 2.27`, `musl 1.2`), or empty;
//! * `pythons`: the environment table's Python versions its python/ABI tags accept;
//! * `tag`: its first python-ABI pair (`cp312-cp312`), for the message.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use ofiuco_spec::{Arch, TargetEnv, WheelFilename};

use crate::wheels::FastHash;

/// The Python versions of the environment table, with what their tag orders accept.
pub(crate) struct FitTable {
    pythons: Vec<FitPython>,
}

/// One Python version of [`FitTable`]: its name (`3.12`, `3.13t`), the
/// (python, ABI) pairs of its tag order (python -> ABIs), and the python
/// tags of its `none-any` tags.
struct FitPython {
    name: String,
    pairs: HashMap<String, HashSet<String, FastHash>, FastHash>,
    any: HashSet<String, FastHash>,
}

impl FitTable {
    pub(crate) fn new(envs: &[TargetEnv]) -> Self {
        let mut pythons: Vec<FitPython> = Vec::new();
        for env in envs {
            let name = env.python_name();
            if !pythons.iter().any(|p| p.name == name) {
                let probe = TargetEnv {
                    freethreaded: env.freethreaded,
                    ..TargetEnv::linux_glibc(Arch::X86_64, (2, 17), env.python)
                };
                let order = probe.tag_order();
                let mut pairs: HashMap<String, HashSet<String, FastHash>, FastHash> =
                    HashMap::default();
                for (python, abi) in order.pairs() {
                    pairs
                        .entry(python.to_string())
                        .or_default()
                        .insert(abi.to_string());
                }
                let any = order.any_pythons().map(str::to_string).collect();
                pythons.push(FitPython { name, pairs, any });
            }
        }
        Self { pythons }
    }

    /// The line of one file (see the module docs).
    #[cfg(test)]
    pub(crate) fn describe(&self, filename: &str) -> String {
        self.describe_parsed(filename, filename.parse::<WheelFilename>().ok().as_ref())
    }

    /// [`FitTable::describe`] of a file whose name is parsed already:
    /// `wheel` is `filename` parsed as a wheel name, `None` if it is none.
    pub(crate) fn describe_parsed(&self, filename: &str, wheel: Option<&WheelFilename>) -> String {
        let Some(wheel) = wheel else {
            return format!("{filename}|sdist|||*|");
        };
        let mut os = "";
        let mut cpus: Vec<&str> = Vec::new();
        let mut libc: Option<(u8, u16, u16)> = None;
        for tag in &wheel.platform_tags {
            let (tag_os, tag_cpus, tag_libc) = platform(tag);
            os = tag_os;
            for cpu in tag_cpus {
                if !cpus.contains(cpu) {
                    cpus.push(cpu);
                }
            }
            if let Some(l) = tag_libc {
                libc = Some(libc.map_or(l, |old| old.min(l)));
            }
        }
        let mut out = String::with_capacity(filename.len() + 96);
        out.push_str(filename);
        out.push('|');
        out.push_str(os);
        out.push('|');
        push_joined(&mut out, cpus);
        out.push('|');
        match libc {
            Some((0, major, minor)) => _ = write!(out, "glibc {major}.{minor}"),
            Some((_, major, minor)) => _ = write!(out, "musl {major}.{minor}"),
            None => {}
        }
        out.push('|');
        let pythons = self.pythons.iter().filter(|p| p.accepts(wheel));
        push_joined(&mut out, pythons.map(|p| p.name.as_str()));
        out.push('|');
        out.push_str(wheel.python_tags.first().map_or("", String::as_str));
        out.push('-');
        out.push_str(wheel.abi_tags.first().map_or("", String::as_str));
        out
    }
}

/// Appends `items` separated by `,`.
fn push_joined<'a>(out: &mut String, items: impl IntoIterator<Item = &'a str>) {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
}

impl FitPython {
    /// Whether some python/ABI pair of the wheel is one the tag order supports.
    fn accepts(&self, wheel: &WheelFilename) -> bool {
        wheel.python_tags.iter().any(|python| {
            wheel.abi_tags.iter().any(|abi| {
                self.pairs
                    .get(python)
                    .is_some_and(|abis| abis.contains(abi))
                    || (abi == "none" && self.any.contains(python))
            })
        })
    }
}

/// (os, Bazel cpus, (0 glibc | 1 musl, major, minor)) of a platform tag.
type PlatformNeeds = (
    &'static str,
    &'static [&'static str],
    Option<(u8, u16, u16)>,
);

fn platform(tag: &str) -> PlatformNeeds {
    let cpu = |arch: &str| -> &'static [&'static str] {
        match arch {
            "x86_64" | "amd64" | "intel" => &["x86_64"],
            "aarch64" | "arm64" => &["aarch64"],
            "universal2" => &["x86_64", "aarch64"],
            "i686" | "x86" | "win32" => &["x86_32"],
            "armv7l" => &["armv7"],
            "ppc64le" => &["ppc64le"],
            "s390x" => &["s390x"],
            "riscv64" => &["riscv64"],
            _ => &["other"],
        }
    };
    let version = |major: &str, minor: &str| -> Option<(u16, u16)> {
        Some((major.parse().ok()?, minor.parse().ok()?))
    };
    if tag == "any" {
        return ("any", &["any"], None);
    }
    if tag == "win32" {
        return ("windows", &["x86_32"], None);
    }
    if let Some(arch) = tag.strip_prefix("win_") {
        return ("windows", cpu(arch), None);
    }
    for (legacy, glibc) in [
        ("manylinux2014_", (2, 17)),
        ("manylinux2010_", (2, 12)),
        ("manylinux1_", (2, 5)),
    ] {
        if let Some(arch) = tag.strip_prefix(legacy) {
            return ("linux", cpu(arch), Some((0, glibc.0, glibc.1)));
        }
    }
    for (prefix, kind) in [("manylinux_", 0u8), ("musllinux_", 1u8)] {
        if let Some(rest) = tag.strip_prefix(prefix) {
            let mut parts = rest.splitn(3, '_');
            let (major, minor, arch) = (parts.next(), parts.next(), parts.next());
            if let (Some((major, minor)), Some(arch)) = (
                major
                    .zip(minor)
                    .and_then(|(major, minor)| version(major, minor)),
                arch,
            ) {
                return ("linux", cpu(arch), Some((kind, major, minor)));
            }
        }
    }
    if let Some(arch) = tag.strip_prefix("linux_") {
        return ("linux", cpu(arch), None);
    }
    if let Some(rest) = tag.strip_prefix("macosx_") {
        let arch = rest.splitn(3, '_').nth(2).unwrap_or("");
        return ("macos", cpu(arch), None);
    }
    ("other", &["other"], None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_files() {
        let table = FitTable::new(&ofiuco_spec::standard_envs());
        assert_eq!(
            table.describe("numpy-2.4.6-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl"),
            "numpy-2.4.6-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl|linux|aarch64|glibc 2.27|3.12|cp312-cp312"
        );
        assert_eq!(
            table.describe("a-1-cp39-abi3-macosx_10_9_universal2.whl"),
            "a-1-cp39-abi3-macosx_10_9_universal2.whl|macos|x86_64,aarch64||3.10,3.11,3.12,3.13,3.14,3.15|cp39-abi3"
        );
        assert_eq!(
            table.describe("b-1-py3-none-any.whl"),
            "b-1-py3-none-any.whl|any|any||3.10,3.11,3.12,3.13,3.13t,3.14,3.14t,3.15,3.15t|py3-none"
        );
        assert_eq!(
            table.describe("c-1-cp311-cp311-musllinux_1_2_x86_64.whl"),
            "c-1-cp311-cp311-musllinux_1_2_x86_64.whl|linux|x86_64|musl 1.2|3.11|cp311-cp311"
        );
        assert_eq!(table.describe("c-1.tar.gz"), "c-1.tar.gz|sdist|||*|");
        // Free-threaded wheels fit only free-threaded builds.
        assert_eq!(
            table.describe("d-1-cp313-cp313t-manylinux_2_17_x86_64.whl"),
            "d-1-cp313-cp313t-manylinux_2_17_x86_64.whl|linux|x86_64|glibc 2.17|3.13t|cp313-cp313t"
        );
    }
}

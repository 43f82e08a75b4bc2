//! Target environments: what a CPython on some OS/arch/libc supports (tags) and
//! reports (PEP 508 markers), independent of the host.

use std::fmt;
use std::str::FromStr;

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

use crate::filename::WheelFilename;
use crate::rank::{Interner, RankedWheel, Ranker};
use crate::tags::{Tag, TagOrder};

/// Operating system of a target. macOS carries the deployment target the
/// target's CPython accepts wheels for (e.g. 14.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Os {
    Linux,
    Macos { major: u16, minor: u16 },
    Windows,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    X86_64,
    Aarch64,
}

/// C library of a Linux target, with the newest version the target provides
/// (the ceiling for `manylinux_2_X` / `musllinux_1_X` tags). `None` for macOS and Windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Libc {
    Glibc { major: u16, minor: u16 },
    Musl { major: u16, minor: u16 },
    None,
}

/// A CPython interpreter on a target platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetEnv {
    pub os: Os,
    pub arch: Arch,
    pub libc: Libc,
    /// (major, minor), e.g. (3, 11).
    pub python: (u8, u8),
    /// A free-threaded build (`python3.13t`, ABI `cp313t`).
    pub freethreaded: bool,
}

/// The CPython release whose values [`TargetEnv::marker_environment`] reports
/// for `python_full_version` / `implementation_version`: a recent real patch
/// release per minor version.
///
/// | minor | release |
/// |-------|---------|
/// | 3.9   | 3.9.23  |
/// | 3.10  | 3.10.19 |
/// | 3.11  | 3.11.14 |
/// | 3.12  | 3.12.12 |
/// | 3.13  | 3.13.9  |
/// | 3.14  | 3.14.2  |
/// | 3.15  | 3.15.0  |
///
/// Other minor versions report patch level 0.
pub fn python_full_version(python: (u8, u8)) -> String {
    let patch = match python {
        (3, 9) => 23,
        (3, 10) => 19,
        (3, 11) => 14,
        (3, 12) => 12,
        (3, 13) => 9,
        (3, 14) => 2,
        _ => 0,
    };
    format!("{}.{}.{patch}", python.0, python.1)
}

/// The Python versions of [`standard_envs`]: (minor, free-threaded), CPython
/// 3.10-3.15 and the free-threaded builds of 3.13-3.15. Adding a Python
/// version (or a glibc level below) is the one edit it takes: the Bazel side
/// (`python/private/envs_table.bzl`, then `python/version`, `python/libc`,
/// `python/envs`) is generated from [`standard_envs`].
pub const STANDARD_PYTHONS: [(u8, bool); 9] = [
    (10, false),
    (11, false),
    (12, false),
    (13, false),
    (13, true),
    (14, false),
    (14, true),
    (15, false),
    (15, true),
];
/// The glibc ceilings of [`standard_envs`]: Amazon Linux 2 (2.26), manylinux2014
/// (2.17), RHEL 8 / `manylinux_2_28` (2.28), Debian 11 (2.31), RHEL 9 / Amazon Linux
/// 2023 (2.34), Ubuntu 22.04 (2.35), Debian 12 (2.36), Ubuntu 24.04 (2.39).
pub const STANDARD_GLIBC: [u16; 8] = [17, 26, 28, 31, 34, 35, 36, 39];

/// The environment matrix the hub renders `select()`s for: [`STANDARD_PYTHONS`] ×
/// { Linux `x86_64/aarch64` × glibc [`STANDARD_GLIBC`] and musl 1.2; macOS arm64
/// (14.0); macOS `x86_64` (12.0); Windows `x86_64` }. Keys ([`TargetEnv::key`]) are unique.
pub fn standard_envs() -> Vec<TargetEnv> {
    let mut envs = Vec::new();
    for (minor, freethreaded) in STANDARD_PYTHONS {
        let python = (3, minor);
        let mut platforms = Vec::new();
        for arch in [Arch::X86_64, Arch::Aarch64] {
            for glibc in STANDARD_GLIBC {
                platforms.push(TargetEnv::linux_glibc(arch, (2, glibc), python));
            }
            platforms.push(TargetEnv::linux_musl(arch, (1, 2), python));
        }
        platforms.push(TargetEnv::macos(Arch::Aarch64, (14, 0), python));
        platforms.push(TargetEnv::macos(Arch::X86_64, (12, 0), python));
        platforms.push(TargetEnv::windows(Arch::X86_64, python));
        envs.extend(
            platforms
                .into_iter()
                .map(|e| TargetEnv { freethreaded, ..e }),
        );
    }
    envs
}

impl TargetEnv {
    pub fn linux_glibc(arch: Arch, glibc: (u16, u16), python: (u8, u8)) -> Self {
        TargetEnv {
            os: Os::Linux,
            arch,
            libc: Libc::Glibc {
                major: glibc.0,
                minor: glibc.1,
            },
            python,
            freethreaded: false,
        }
    }

    pub fn linux_musl(arch: Arch, musl: (u16, u16), python: (u8, u8)) -> Self {
        TargetEnv {
            os: Os::Linux,
            arch,
            libc: Libc::Musl {
                major: musl.0,
                minor: musl.1,
            },
            python,
            freethreaded: false,
        }
    }

    pub fn macos(arch: Arch, version: (u16, u16), python: (u8, u8)) -> Self {
        TargetEnv {
            os: Os::Macos {
                major: version.0,
                minor: version.1,
            },
            arch,
            libc: Libc::None,
            python,
            freethreaded: false,
        }
    }

    pub fn windows(arch: Arch, python: (u8, u8)) -> Self {
        TargetEnv {
            os: Os::Windows,
            arch,
            libc: Libc::None,
            python,
            freethreaded: false,
        }
    }

    /// The architecture as the OS names it: `x86_64`/`aarch64` on Linux,
    /// `x86_64`/`arm64` on macOS and Windows (as in `win_arm64`).
    fn arch_name(&self) -> &'static str {
        match (self.os, self.arch) {
            (_, Arch::X86_64) => "x86_64",
            (Os::Linux, Arch::Aarch64) => "aarch64",
            (_, Arch::Aarch64) => "arm64",
        }
    }

    /// Platform tags in priority order, as `packaging.tags.platform_tags()` (25.0)
    /// yields them on this target.
    pub fn platform_tags(&self) -> Vec<String> {
        let arch = self.arch_name();
        match self.os {
            Os::Linux => linux_platforms(arch, self.libc),
            Os::Macos { major, minor } => mac_platforms((major, minor), arch),
            Os::Windows => vec![match self.arch {
                Arch::X86_64 => "win_amd64".to_string(),
                Arch::Aarch64 => "win_arm64".to_string(),
            }],
        }
    }

    /// All tags CPython on this target supports, most preferred first, exactly
    /// as `packaging.tags.sys_tags()` orders them (`cpython_tags()` then
    /// `compatible_tags()`).
    pub fn supported_tags(&self) -> Vec<Tag> {
        let order = self.tag_order();
        let mut tags = Vec::with_capacity(order.tag_count());
        tags.extend(order.tags());
        tags
    }

    /// [`TargetEnv::supported_tags`] in its generated shape, for ranking tags
    /// without listing them. Its pairs and `none-any` tags depend only on
    /// `python`, its platforms only on `os`, `arch` and `libc`.
    pub fn tag_order(&self) -> TagOrder {
        let (major, minor) = self.python;
        let interpreter = format!("cp{major}{minor}");
        // cpython_tags: the interpreter's own ABI, abi3, none, then older abi3;
        // a free-threaded build has its own ABI (`cp313t`) and no abi3.
        let own_abi = format!("{interpreter}{}", if self.freethreaded { "t" } else { "" });
        let mut pairs = vec![(interpreter.clone(), own_abi)];
        let use_abi3 = (major, minor) >= (3, 2) && !self.freethreaded;
        if use_abi3 {
            pairs.push((interpreter.clone(), "abi3".to_string()));
        }
        pairs.push((interpreter.clone(), "none".to_string()));
        if use_abi3 {
            for older in (2..minor).rev() {
                pairs.push((format!("cp{major}{older}"), "abi3".to_string()));
            }
        }
        // compatible_tags: pyXY-none-platform, then *-none-any.
        let py_range = py_interpreter_range(self.python);
        pairs.extend(
            py_range
                .iter()
                .map(|python| (python.clone(), "none".to_string())),
        );
        let mut any = Vec::with_capacity(py_range.len() + 1);
        any.push(interpreter);
        any.extend(py_range);
        TagOrder::new(pairs, self.platform_tags(), any)
    }

    /// The index (in iteration order) of the wheel pip would install: the
    /// lowest tag priority; among equals the higher build tag, then the first
    /// one. `None` if no wheel is compatible. For one-off choices: build one
    /// [`Ranker`] when choosing for many packages or environments.
    pub fn best_wheel<'a, I>(&self, files: I) -> Option<usize>
    where
        I: IntoIterator<Item = &'a WheelFilename>,
    {
        let mut interner = Interner::new();
        let wheels: Vec<RankedWheel> = files.into_iter().map(|f| interner.wheel(f)).collect();
        Ranker::new(std::slice::from_ref(self), &interner).best_wheel(0, &wheels)
    }

    /// The PEP 508 marker values CPython reports on this target.
    pub fn marker_environment(&self) -> MarkerEnvironment {
        let (os_name, sys_platform, platform_system) = match self.os {
            Os::Linux => ("posix", "linux", "Linux"),
            Os::Macos { .. } => ("posix", "darwin", "Darwin"),
            Os::Windows => ("nt", "win32", "Windows"),
        };
        let platform_machine = match (self.os, self.arch) {
            (Os::Windows, Arch::X86_64) => "AMD64",
            (Os::Windows, Arch::Aarch64) => "ARM64",
            _ => self.arch_name(),
        };
        let full_version = python_full_version(self.python);
        let python_version = format!("{}.{}", self.python.0, self.python.1);
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full_version,
            os_name,
            platform_machine,
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system,
            platform_version: "",
            python_full_version: &full_version,
            python_version: &python_version,
            sys_platform,
        })
        .expect("numeric versions always parse")
    }

    /// A Bazel-target-safe id: `cp311_linux_aarch64_glibc_2_26`,
    /// `cp311_linux_x86_64_musl_1_2`, `cp312_macos_arm64`, `cp313_windows_x86_64`.
    /// The macOS version is not part of the key (one macOS env per arch).
    pub fn key(&self) -> String {
        let arch = self.arch_name();
        let os = match self.os {
            Os::Linux => "linux",
            Os::Macos { .. } => "macos",
            Os::Windows => "windows",
        };
        let mut key = format!("{}_{os}_{arch}", self.interpreter());
        match self.libc {
            Libc::Glibc { major, minor } => key += &format!("_glibc_{major}_{minor}"),
            Libc::Musl { major, minor } => key += &format!("_musl_{major}_{minor}"),
            Libc::None => {}
        }
        key
    }

    /// `cp311`, `cp313t`: the interpreter part of [`TargetEnv::key`] and `Display`.
    fn interpreter(&self) -> String {
        let (major, minor) = self.python;
        let t = if self.freethreaded { "t" } else { "" };
        format!("cp{major}{minor}{t}")
    }

    /// The version as Bazel settings spell it: `3.12`, `3.13t`.
    pub fn python_name(&self) -> String {
        let (major, minor) = self.python;
        let t = if self.freethreaded { "t" } else { "" };
        format!("{major}.{minor}{t}")
    }

    /// For humans: `CPython 3.11 on Linux aarch64 with glibc 2.26`.
    pub fn describe(&self) -> String {
        let os = match self.os {
            Os::Linux => "Linux".to_string(),
            Os::Macos { major, minor } => format!("macOS {major}.{minor}"),
            Os::Windows => "Windows".to_string(),
        };
        let libc = match self.libc {
            Libc::Glibc { major, minor } => format!(" with glibc {major}.{minor}"),
            Libc::Musl { major, minor } => format!(" with musl {major}.{minor}"),
            Libc::None => String::new(),
        };
        format!(
            "CPython {} on {os} {}{libc}",
            self.python_name(),
            self.arch_name()
        )
    }
}

/// `cp311-linux-aarch64-glibc2.26`, `cp311-linux-x86_64-musl1.2`,
/// `cp312-macos-arm64-14.0`, `cp313-windows-x86_64`. Parsed back by `FromStr`.
impl fmt::Display for TargetEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cp = self.interpreter();
        let arch = self.arch_name();
        match self.os {
            Os::Linux => write!(f, "{cp}-linux-{arch}")?,
            Os::Macos {
                major: mac_major,
                minor: mac_minor,
            } => write!(f, "{cp}-macos-{arch}-{mac_major}.{mac_minor}")?,
            Os::Windows => write!(f, "{cp}-windows-{arch}")?,
        }
        match self.libc {
            Libc::Glibc { major, minor } => write!(f, "-glibc{major}.{minor}"),
            Libc::Musl { major, minor } => write!(f, "-musl{major}.{minor}"),
            Libc::None => Ok(()),
        }
    }
}

/// A target environment string that does not follow [`TargetEnv`]'s `Display` form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid target environment `{input}`: {reason}\n\
     hint: use e.g. `cp311-linux-aarch64-glibc2.26`, `cp311-linux-x86_64-musl1.2`, \
     `cp312-macos-arm64-14.0` or `cp313-windows-x86_64`"
)]
pub struct TargetEnvError {
    pub input: String,
    pub reason: String,
}

fn parse_version_pair(text: &str) -> Option<(u16, u16)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

impl FromStr for TargetEnv {
    type Err = TargetEnvError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| TargetEnvError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let parts: Vec<&str> = input.split('-').collect();
        let interpreter = parts.first().and_then(|p| p.strip_prefix("cp3"));
        let freethreaded = interpreter.is_some_and(|i| i.ends_with('t'));
        let python = interpreter
            .map(|i| i.trim_end_matches('t'))
            .and_then(|minor| minor.parse::<u8>().ok())
            .map(|minor| (3, minor))
            .ok_or_else(|| fail("it must start with the interpreter, e.g. `cp311` or `cp313t`"))?;
        let arch = |name: &str| match name {
            "x86_64" => Ok(Arch::X86_64),
            "aarch64" | "arm64" => Ok(Arch::Aarch64),
            _ => Err(fail(
                "the architecture must be `x86_64`, `aarch64` or `arm64`",
            )),
        };
        let env = match parts[1..] {
            ["linux", a, libc] => {
                let arch = arch(a)?;
                if let Some(v) = libc.strip_prefix("glibc").and_then(parse_version_pair) {
                    Ok(TargetEnv::linux_glibc(arch, v, python))
                } else if let Some(v) = libc.strip_prefix("musl").and_then(parse_version_pair) {
                    Ok(TargetEnv::linux_musl(arch, v, python))
                } else {
                    Err(fail("the libc must read `glibc2.X` or `musl1.X`"))
                }
            }
            ["macos", a, version] => {
                let version = parse_version_pair(version)
                    .ok_or_else(|| fail("the macOS version must read `MAJOR.MINOR`"))?;
                Ok(TargetEnv::macos(arch(a)?, version, python))
            }
            ["windows", a] => Ok(TargetEnv::windows(arch(a)?, python)),
            _ => Err(fail(
                "expected `cpXY-linux-ARCH-LIBC`, `cpXY-macos-ARCH-VERSION` or `cpXY-windows-ARCH`",
            )),
        }?;
        Ok(TargetEnv {
            freethreaded,
            ..env
        })
    }
}

/// pyXY, pyX, then pyX(Y-1) down to pyX0 (`packaging.tags._py_interpreter_range`).
fn py_interpreter_range((major, minor): (u8, u8)) -> Vec<String> {
    let mut out = vec![format!("py{major}{minor}"), format!("py{major}")];
    out.extend((0..minor).rev().map(|m| format!("py{major}{m}")));
    out
}

/// `packaging._manylinux.platform_tags`, `_musllinux.platform_tags`, then `linux_<arch>`.
fn linux_platforms(arch: &str, libc: Libc) -> Vec<String> {
    let mut out = Vec::new();
    match libc {
        Libc::Glibc { major, minor } => {
            // manylinux starts at glibc 2.5 on x86 and at 2.17 everywhere else.
            let oldest_minor: i32 = if arch == "x86_64" { 5 } else { 17 };
            // glibc keeps compatibility across majors; packaging assumes 50 minors per major.
            let mut maxima = vec![(major, minor)];
            maxima.extend((2..major).rev().map(|m| (m, 50)));
            for (glibc_major, max_minor) in maxima {
                let min_minor = if glibc_major == 2 { oldest_minor } else { 0 };
                for glibc_minor in (min_minor..=i32::from(max_minor)).rev() {
                    out.push(format!("manylinux_{glibc_major}_{glibc_minor}_{arch}"));
                    let legacy = match (glibc_major, glibc_minor) {
                        (2, 17) => Some("manylinux2014"),
                        (2, 12) => Some("manylinux2010"),
                        (2, 5) => Some("manylinux1"),
                        _ => None,
                    };
                    if let Some(legacy) = legacy {
                        out.push(format!("{legacy}_{arch}"));
                    }
                }
            }
        }
        Libc::Musl { major, minor } => {
            out.extend(
                (0..=minor)
                    .rev()
                    .map(|m| format!("musllinux_{major}_{m}_{arch}")),
            );
        }
        Libc::None => {}
    }
    out.push(format!("linux_{arch}"));
    out
}

/// `packaging.tags._mac_binary_formats` (25.0) for the architectures we model.
fn mac_binary_formats(version: (u16, u16), arch: &str) -> &'static [&'static str] {
    match arch {
        "x86_64" if version < (10, 4) => &[],
        "x86_64" => &[
            "x86_64",
            "intel",
            "fat64",
            "fat32",
            "universal2",
            "universal",
        ],
        _ => &["arm64", "universal2"],
    }
}

/// `packaging.tags.mac_platforms(version, arch)` (25.0).
fn mac_platforms(version: (u16, u16), arch: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut push_all = |major: u16, minor: u16| {
        for format in mac_binary_formats((major, minor), arch) {
            out.push(format!("macosx_{major}_{minor}_{format}"));
        }
    };
    if ((10, 0)..(11, 0)).contains(&version) {
        for minor in (0..=version.1).rev() {
            push_all(10, minor);
        }
    }
    if version >= (11, 0) {
        // Since macOS 11 the yearly release bumps the major version.
        for major in (11..=version.0).rev() {
            push_all(major, 0);
        }
        if arch == "x86_64" {
            for minor in (4..=16).rev() {
                push_all(10, minor);
            }
        } else {
            // No arm64 binaries before 11.0, but universal2 may name an older x86_64 floor.
            for minor in (4..=16).rev() {
                out.push(format!("macosx_10_{minor}_universal2"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag_strings(env: &TargetEnv) -> Vec<String> {
        env.supported_tags().iter().map(Tag::to_string).collect()
    }

    fn expected(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    /// Orderings produced by packaging 25.0 (`testdata/packaging_tags/generate.py`).
    #[test]
    fn matches_packaging() {
        let cases = [
            (
                TargetEnv::linux_glibc(Arch::X86_64, (2, 17), (3, 11)),
                include_str!("../testdata/packaging_tags/cp311_linux_x86_64_glibc_2_17.txt"),
            ),
            (
                TargetEnv::linux_glibc(Arch::Aarch64, (2, 26), (3, 12)),
                include_str!("../testdata/packaging_tags/cp312_linux_aarch64_glibc_2_26.txt"),
            ),
            (
                TargetEnv::linux_musl(Arch::X86_64, (1, 2), (3, 11)),
                include_str!("../testdata/packaging_tags/cp311_linux_x86_64_musl_1_2.txt"),
            ),
            (
                TargetEnv::macos(Arch::Aarch64, (14, 0), (3, 12)),
                include_str!("../testdata/packaging_tags/cp312_macos_arm64.txt"),
            ),
            (
                TargetEnv::macos(Arch::X86_64, (12, 0), (3, 10)),
                include_str!("../testdata/packaging_tags/cp310_macos_x86_64.txt"),
            ),
            (
                TargetEnv::windows(Arch::X86_64, (3, 13)),
                include_str!("../testdata/packaging_tags/cp313_windows_x86_64.txt"),
            ),
            (
                TargetEnv {
                    freethreaded: true,
                    ..TargetEnv::linux_glibc(Arch::X86_64, (2, 28), (3, 13))
                },
                include_str!("../testdata/packaging_tags/cp313t_linux_x86_64_glibc_2_28.txt"),
            ),
        ];
        for (env, text) in cases {
            let key = env.key();
            assert_eq!(tag_strings(&env), expected(text), "{key}");
        }
    }

    /// `TagOrder` counts what it lists (the ranker's tables rely on its
    /// shape; `rank.rs` checks its ranks against these lists).
    #[test]
    fn tag_order_counts_its_tags() {
        let mut envs = standard_envs();
        envs.push(TargetEnv::linux_glibc(Arch::X86_64, (3, 2), (3, 9)));
        envs.push(TargetEnv::macos(Arch::X86_64, (10, 9), (3, 1)));
        envs.push(TargetEnv::macos(Arch::X86_64, (10, 3), (2, 7)));
        for env in envs {
            let order = env.tag_order();
            assert_eq!(order.tag_count(), env.supported_tags().len(), "{env}");
            assert_eq!(order.tag_count(), order.tags().count(), "{env}");
        }
    }

    #[test]
    fn windows_tags_in_full() {
        let env = TargetEnv::windows(Arch::Aarch64, (3, 10));
        insta::assert_snapshot!(tag_strings(&env).join("\n"), @r#"
            cp310-cp310-win_arm64
            cp310-abi3-win_arm64
            cp310-none-win_arm64
            cp39-abi3-win_arm64
            cp38-abi3-win_arm64
            cp37-abi3-win_arm64
            cp36-abi3-win_arm64
            cp35-abi3-win_arm64
            cp34-abi3-win_arm64
            cp33-abi3-win_arm64
            cp32-abi3-win_arm64
            py310-none-win_arm64
            py3-none-win_arm64
            py39-none-win_arm64
            py38-none-win_arm64
            py37-none-win_arm64
            py36-none-win_arm64
            py35-none-win_arm64
            py34-none-win_arm64
            py33-none-win_arm64
            py32-none-win_arm64
            py31-none-win_arm64
            py30-none-win_arm64
            cp310-none-any
            py310-none-any
            py3-none-any
            py39-none-any
            py38-none-any
            py37-none-any
            py36-none-any
            py35-none-any
            py34-none-any
            py33-none-any
            py32-none-any
            py31-none-any
            py30-none-any
        "#);
    }

    #[test]
    fn mac_10_x() {
        let tags = mac_platforms((10, 5), "x86_64");
        assert_eq!(tags.first().unwrap(), "macosx_10_5_x86_64");
        assert_eq!(tags.last().unwrap(), "macosx_10_4_universal");
        assert_eq!(tags.len(), 12);
    }

    fn files(names: &[&str]) -> Vec<WheelFilename> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn pick<'a>(env: &TargetEnv, names: &[&'a str]) -> Option<&'a str> {
        env.best_wheel(&files(names)).map(|i| names[i])
    }

    const NUMPY: [&str; 11] = [
        "numpy-2.2.0-cp311-cp311-macosx_10_9_x86_64.whl",
        "numpy-2.2.0-cp311-cp311-macosx_11_0_arm64.whl",
        "numpy-2.2.0-cp311-cp311-macosx_14_0_arm64.whl",
        "numpy-2.2.0-cp311-cp311-macosx_14_0_x86_64.whl",
        "numpy-2.2.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "numpy-2.2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "numpy-2.2.0-cp311-cp311-manylinux_2_28_aarch64.whl",
        "numpy-2.2.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        "numpy-2.2.0-cp311-cp311-musllinux_1_2_aarch64.whl",
        "numpy-2.2.0-cp311-cp311-musllinux_1_2_x86_64.whl",
        "numpy-2.2.0-cp311-cp311-win_amd64.whl",
    ];

    #[test]
    fn best_wheel_numpy_like() {
        let numpy = &NUMPY;
        let py311 = (3, 11);
        let cases = [
            (
                TargetEnv::linux_glibc(Arch::X86_64, (2, 26), py311),
                Some(5),
            ),
            (
                TargetEnv::linux_glibc(Arch::X86_64, (2, 34), py311),
                Some(7),
            ),
            (
                TargetEnv::linux_glibc(Arch::Aarch64, (2, 26), py311),
                Some(4),
            ),
            (
                TargetEnv::linux_glibc(Arch::Aarch64, (2, 28), py311),
                Some(6),
            ),
            (TargetEnv::linux_glibc(Arch::Aarch64, (2, 12), py311), None),
            (TargetEnv::linux_musl(Arch::Aarch64, (1, 2), py311), Some(8)),
            (TargetEnv::linux_musl(Arch::X86_64, (1, 1), py311), None),
            (TargetEnv::macos(Arch::Aarch64, (14, 0), py311), Some(2)),
            (TargetEnv::macos(Arch::Aarch64, (12, 0), py311), Some(1)),
            (TargetEnv::macos(Arch::X86_64, (12, 0), py311), Some(0)),
            (TargetEnv::windows(Arch::X86_64, py311), Some(10)),
            (TargetEnv::windows(Arch::X86_64, (3, 12)), None),
            (TargetEnv::windows(Arch::Aarch64, py311), None),
        ];
        for (env, want) in cases {
            assert_eq!(pick(&env, numpy), want.map(|i| numpy[i]), "{env}");
        }
    }

    #[test]
    fn best_wheel_abi3_and_pure() {
        let names = [
            "cryptography-44.0.0-cp37-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl",
            "cryptography-44.0.0-cp39-abi3-musllinux_1_2_x86_64.whl",
            "cryptography-44.0.0-cp311-cp311-manylinux_2_17_x86_64.whl",
            "cryptography-44.0.0-py3-none-any.whl",
        ];
        let glibc = |minor, py| TargetEnv::linux_glibc(Arch::X86_64, (2, minor), py);
        // Own ABI wins over abi3 at the same platform, abi3 of newer cp wins.
        assert_eq!(pick(&glibc(26, (3, 11)), &names), Some(names[3]));
        // packaging orders by ABI before platform: cp311-cp311 on 2.17 beats cp39-abi3 on 2.28.
        assert_eq!(pick(&glibc(34, (3, 11)), &names), Some(names[3]));
        assert_eq!(pick(&glibc(34, (3, 12)), &names), Some(names[1]));
        assert_eq!(pick(&glibc(26, (3, 12)), &names), Some(names[0]));
        assert_eq!(
            pick(
                &TargetEnv::linux_musl(Arch::X86_64, (1, 2), (3, 13)),
                &names
            ),
            Some(names[2])
        );
        assert_eq!(
            pick(&TargetEnv::windows(Arch::X86_64, (3, 13)), &names),
            Some(names[4])
        );
        // A wheel for a newer CPython's abi3 is not usable on an older one.
        let newer = ["x-1-cp312-abi3-win_amd64.whl", "x-1-py2.py3-none-any.whl"];
        assert_eq!(
            pick(&TargetEnv::windows(Arch::X86_64, (3, 11)), &newer),
            Some(newer[1])
        );
    }

    #[test]
    fn marker_environments() {
        let show = |env: TargetEnv| {
            let m = env.marker_environment();
            format!(
                "{} {} {} {} {} {} {} {} {} [{}] [{}]",
                m.implementation_name(),
                m.implementation_version().string,
                m.os_name(),
                m.platform_machine(),
                m.platform_python_implementation(),
                m.platform_system(),
                m.python_full_version().string,
                m.python_version().string,
                m.sys_platform(),
                m.platform_release(),
                m.platform_version(),
            )
        };
        insta::assert_snapshot!(show(TargetEnv::linux_glibc(Arch::Aarch64, (2, 26), (3, 11))), @"cpython 3.11.14 posix aarch64 CPython Linux 3.11.14 3.11 linux [] []");
        insta::assert_snapshot!(show(TargetEnv::linux_musl(Arch::X86_64, (1, 2), (3, 14))), @"cpython 3.14.2 posix x86_64 CPython Linux 3.14.2 3.14 linux [] []");
        insta::assert_snapshot!(show(TargetEnv::macos(Arch::Aarch64, (14, 0), (3, 12))), @"cpython 3.12.12 posix arm64 CPython Darwin 3.12.12 3.12 darwin [] []");
        insta::assert_snapshot!(show(TargetEnv::macos(Arch::X86_64, (12, 0), (3, 10))), @"cpython 3.10.19 posix x86_64 CPython Darwin 3.10.19 3.10 darwin [] []");
        insta::assert_snapshot!(show(TargetEnv::windows(Arch::X86_64, (3, 13))), @"cpython 3.13.9 nt AMD64 CPython Windows 3.13.9 3.13 win32 [] []");
        insta::assert_snapshot!(show(TargetEnv::windows(Arch::Aarch64, (3, 9))), @"cpython 3.9.23 nt ARM64 CPython Windows 3.9.23 3.9 win32 [] []");
    }

    #[test]
    fn markers_evaluate() {
        let req: pep508_rs::Requirement =
            "pywin32; sys_platform == 'win32' and python_full_version >= '3.12.1'"
                .parse()
                .unwrap();
        let win = TargetEnv::windows(Arch::X86_64, (3, 12)).marker_environment();
        let linux = TargetEnv::linux_glibc(Arch::X86_64, (2, 17), (3, 12)).marker_environment();
        assert!(req.evaluate_markers(&win, &[]));
        assert!(!req.evaluate_markers(&linux, &[]));
    }

    #[test]
    fn names() {
        let envs = [
            TargetEnv::linux_glibc(Arch::Aarch64, (2, 26), (3, 11)),
            TargetEnv::linux_musl(Arch::X86_64, (1, 2), (3, 11)),
            TargetEnv::macos(Arch::Aarch64, (14, 0), (3, 12)),
            TargetEnv::macos(Arch::X86_64, (12, 0), (3, 10)),
            TargetEnv::windows(Arch::X86_64, (3, 13)),
            TargetEnv {
                freethreaded: true,
                ..TargetEnv::linux_glibc(Arch::Aarch64, (2, 34), (3, 14))
            },
        ];
        let shown: Vec<String> = envs
            .iter()
            .map(|e| format!("{e} | {} | {}", e.key(), e.describe()))
            .collect();
        insta::assert_snapshot!(shown.join("\n"), @r#"
            cp311-linux-aarch64-glibc2.26 | cp311_linux_aarch64_glibc_2_26 | CPython 3.11 on Linux aarch64 with glibc 2.26
            cp311-linux-x86_64-musl1.2 | cp311_linux_x86_64_musl_1_2 | CPython 3.11 on Linux x86_64 with musl 1.2
            cp312-macos-arm64-14.0 | cp312_macos_arm64 | CPython 3.12 on macOS 14.0 arm64
            cp310-macos-x86_64-12.0 | cp310_macos_x86_64 | CPython 3.10 on macOS 12.0 x86_64
            cp313-windows-x86_64 | cp313_windows_x86_64 | CPython 3.13 on Windows x86_64
            cp314t-linux-aarch64-glibc2.34 | cp314t_linux_aarch64_glibc_2_34 | CPython 3.14t on Linux aarch64 with glibc 2.34
        "#);
        for env in envs {
            assert_eq!(env.to_string().parse::<TargetEnv>(), Ok(env));
        }
    }

    #[test]
    fn parse_errors() {
        let err = |s: &str| s.parse::<TargetEnv>().unwrap_err().to_string();
        insta::assert_snapshot!(err("py311-linux-x86_64-glibc2.17"), @r#"
            invalid target environment `py311-linux-x86_64-glibc2.17`: it must start with the interpreter, e.g. `cp311` or `cp313t`
            hint: use e.g. `cp311-linux-aarch64-glibc2.26`, `cp311-linux-x86_64-musl1.2`, `cp312-macos-arm64-14.0` or `cp313-windows-x86_64`
        "#);
        insta::assert_snapshot!(err("cp311-linux-riscv64-glibc2.17"), @r#"
            invalid target environment `cp311-linux-riscv64-glibc2.17`: the architecture must be `x86_64`, `aarch64` or `arm64`
            hint: use e.g. `cp311-linux-aarch64-glibc2.26`, `cp311-linux-x86_64-musl1.2`, `cp312-macos-arm64-14.0` or `cp313-windows-x86_64`
        "#);
        insta::assert_snapshot!(err("cp311-linux-x86_64-glibc"), @r#"
            invalid target environment `cp311-linux-x86_64-glibc`: the libc must read `glibc2.X` or `musl1.X`
            hint: use e.g. `cp311-linux-aarch64-glibc2.26`, `cp311-linux-x86_64-musl1.2`, `cp312-macos-arm64-14.0` or `cp313-windows-x86_64`
        "#);
        insta::assert_snapshot!(err("cp311-freebsd-x86_64"), @r#"
            invalid target environment `cp311-freebsd-x86_64`: expected `cpXY-linux-ARCH-LIBC`, `cpXY-macos-ARCH-VERSION` or `cpXY-windows-ARCH`
            hint: use e.g. `cp311-linux-aarch64-glibc2.26`, `cp311-linux-x86_64-musl1.2`, `cp312-macos-arm64-14.0` or `cp313-windows-x86_64`
        "#);
    }

    #[test]
    fn standard_matrix() {
        let envs = standard_envs();
        assert_eq!(envs.len(), STANDARD_PYTHONS.len() * 21);
        assert_eq!(envs.len(), 9 * 21);
        let mut keys: Vec<String> = envs.iter().map(TargetEnv::key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), envs.len());
        let first: Vec<String> = envs[..21].iter().map(TargetEnv::key).collect();
        insta::assert_snapshot!(first.join("\n"), @r#"
            cp310_linux_x86_64_glibc_2_17
            cp310_linux_x86_64_glibc_2_26
            cp310_linux_x86_64_glibc_2_28
            cp310_linux_x86_64_glibc_2_31
            cp310_linux_x86_64_glibc_2_34
            cp310_linux_x86_64_glibc_2_35
            cp310_linux_x86_64_glibc_2_36
            cp310_linux_x86_64_glibc_2_39
            cp310_linux_x86_64_musl_1_2
            cp310_linux_aarch64_glibc_2_17
            cp310_linux_aarch64_glibc_2_26
            cp310_linux_aarch64_glibc_2_28
            cp310_linux_aarch64_glibc_2_31
            cp310_linux_aarch64_glibc_2_34
            cp310_linux_aarch64_glibc_2_35
            cp310_linux_aarch64_glibc_2_36
            cp310_linux_aarch64_glibc_2_39
            cp310_linux_aarch64_musl_1_2
            cp310_macos_arm64
            cp310_macos_x86_64
            cp310_windows_x86_64
        "#);
        assert_eq!(envs.last().unwrap().key(), "cp315t_windows_x86_64");
    }
}

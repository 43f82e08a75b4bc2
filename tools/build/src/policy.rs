//! The manylinux policy: which symbol versions and shared libraries an ELF
//! file in a `manylinux_2_X_<arch>` wheel may need.
//!
//! # Source
//!
//! auditwheel 6.4.2, the PyPA's reference implementation of PEP 600
//! (`auditwheel-6.4.2-py3-none-any.whl` from PyPI, sha256
//! `4302ae79dcff242e799a37173cfeeae727d0924843eca4b3f622d3bcb28de2db`), file
//! `auditwheel/policy/manylinux-policy.json`. Each of its policies lists, per
//! architecture, the symbol versions allowed in each namespace
//! (`symbol_versions`), and the libraries a wheel may need without bundling
//! them (`lib_whitelist`). [`POLICIES`] keeps, for `x86_64` and aarch64, the
//! highest numeric `GLIBCXX_`, `CXXABI_` and `GCC_` version of each policy
//! from `manylinux_2_17` on; the versions between are all allowed too. The
//! `GLIBC_` ceiling is the target's glibc itself. Non-numeric versions are
//! listed apart ([`allowed_special`]). The library list is the same in every
//! policy from `manylinux_2_12` on ([`ALLOWED_LIBRARIES`]).
//!
//! A ceiling between two policies uses the older one (glibc 2.30 checks
//! against `manylinux_2_28`), one above the newest uses the newest: both are
//! conservative.

use std::cmp::Ordering;
use std::fmt;

use ofiuco_archive::{Cpu, GlibcVersion};

/// A dotted version such as `3.4.29`, compared numerically part by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dotted(pub &'static [u32]);

impl fmt::Display for Dotted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{part}")?;
        }
        Ok(())
    }
}

/// The highest `GLIBCXX_`, `CXXABI_` and `GCC_` versions of one policy and arch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Maxima {
    pub glibcxx: Dotted,
    pub cxxabi: Dotted,
    pub gcc: Dotted,
}

const fn m(glibcxx: &'static [u32], cxxabi: &'static [u32], gcc: &'static [u32]) -> Maxima {
    Maxima {
        glibcxx: Dotted(glibcxx),
        cxxabi: Dotted(cxxabi),
        gcc: Dotted(gcc),
    }
}

/// (policy glibc minor, `x86_64` maxima, aarch64 maxima), oldest first; from
/// auditwheel 6.4.2's `manylinux-policy.json` (see the module docs).
pub const POLICIES: [(u32, Maxima, Maxima); 12] = [
    (
        17,
        m(&[3, 4, 19], &[1, 3, 7], &[4, 8, 0]),
        m(&[3, 4, 19], &[1, 3, 7], &[4, 7, 0]),
    ),
    (
        24,
        m(&[3, 4, 22], &[1, 3, 10], &[4, 8, 0]),
        m(&[3, 4, 22], &[1, 3, 10], &[4, 7, 0]),
    ),
    (
        26,
        m(&[3, 4, 22], &[1, 3, 10], &[4, 8, 0]),
        m(&[3, 4, 24], &[1, 3, 11], &[7, 0, 0]),
    ),
    (
        27,
        m(&[3, 4, 24], &[1, 3, 11], &[7, 0, 0]),
        m(&[3, 4, 24], &[1, 3, 11], &[7, 0, 0]),
    ),
    (
        28,
        m(&[3, 4, 24], &[1, 3, 11], &[7, 0, 0]),
        m(&[3, 4, 24], &[1, 3, 11], &[7, 0, 0]),
    ),
    (
        31,
        m(&[3, 4, 28], &[1, 3, 12], &[7, 0, 0]),
        m(&[3, 4, 28], &[1, 3, 12], &[7, 0, 0]),
    ),
    (
        34,
        m(&[3, 4, 29], &[1, 3, 13], &[7, 0, 0]),
        m(&[3, 4, 29], &[1, 3, 13], &[11, 0]),
    ),
    (
        35,
        m(&[3, 4, 30], &[1, 3, 13], &[12, 0, 0]),
        m(&[3, 4, 30], &[1, 3, 13], &[11, 0]),
    ),
    (
        36,
        m(&[3, 4, 30], &[1, 3, 13], &[12, 0, 0]),
        m(&[3, 4, 30], &[1, 3, 13], &[11, 0]),
    ),
    (
        37,
        m(&[3, 4, 30], &[1, 3, 13], &[12, 0, 0]),
        m(&[3, 4, 30], &[1, 3, 13], &[11, 0]),
    ),
    (
        38,
        m(&[3, 4, 30], &[1, 3, 13], &[12, 0, 0]),
        m(&[3, 4, 30], &[1, 3, 13], &[11, 0]),
    ),
    (
        39,
        m(&[3, 4, 33], &[1, 3, 15], &[14, 0, 0]),
        m(&[3, 4, 33], &[1, 3, 15], &[14, 0, 0]),
    ),
];

/// `lib_whitelist` of every policy from `manylinux_2_12` on: what a wheel may
/// need without bundling it. The target's dynamic loader is allowed too
/// ([`loader`]).
pub const ALLOWED_LIBRARIES: [&str; 23] = [
    "libatomic.so.1",
    "libgcc_s.so.1",
    "libstdc++.so.6",
    "libm.so.6",
    "libanl.so.1",
    "libdl.so.2",
    "librt.so.1",
    "libc.so.6",
    "libnsl.so.1",
    "libutil.so.1",
    "libpthread.so.0",
    "libX11.so.6",
    "libXext.so.6",
    "libXrender.so.1",
    "libICE.so.6",
    "libSM.so.6",
    "libGL.so.1",
    "libgobject-2.0.so.0",
    "libgthread-2.0.so.0",
    "libglib-2.0.so.0",
    "libresolv.so.2",
    "libexpat.so.1",
    "libz.so.1",
];

/// The dynamic loader of glibc on `cpu` (`PT_INTERP`, sometimes `DT_NEEDED`).
pub fn loader(cpu: Cpu) -> &'static str {
    match cpu {
        Cpu::X86_64 => "ld-linux-x86-64.so.2",
        Cpu::Aarch64 => "ld-linux-aarch64.so.1",
    }
}

/// What an ELF file for `cpu` and glibc `ceiling` may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub cpu: Cpu,
    pub ceiling: GlibcVersion,
    /// The manylinux policy the C++ and libgcc limits come from, e.g. 2.26.
    pub policy_glibc: GlibcVersion,
    pub maxima: Maxima,
}

/// Why a version need is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionProblem {
    /// The limit, e.g. `GLIBCXX_3.4.24` or "not allowed by any manylinux policy".
    pub limit: String,
    pub namespace: Namespace,
}

/// The version namespaces the policy limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    Glibc,
    Glibcxx,
    Cxxabi,
    Gcc,
}

impl Namespace {
    pub fn prefix(self) -> &'static str {
        match self {
            Namespace::Glibc => "GLIBC",
            Namespace::Glibcxx => "GLIBCXX",
            Namespace::Cxxabi => "CXXABI",
            Namespace::Gcc => "GCC",
        }
    }
}

/// The lowest glibc ceiling with a policy here (manylinux2014).
pub const OLDEST_GLIBC: GlibcVersion = GlibcVersion {
    major: 2,
    minor: 17,
};

impl Policy {
    /// The policy for a target; `None` below glibc 2.17 (no aarch64 policy
    /// exists there, and ofiuco targets nothing older).
    pub fn new(cpu: Cpu, ceiling: GlibcVersion) -> Option<Policy> {
        if ceiling < OLDEST_GLIBC || ceiling.major != 2 {
            return None;
        }
        let (minor, x86_64, aarch64) = POLICIES
            .iter()
            .rev()
            .find(|(minor, _, _)| *minor <= ceiling.minor)?;
        Some(Policy {
            cpu,
            ceiling,
            policy_glibc: GlibcVersion {
                major: 2,
                minor: *minor,
            },
            maxima: match cpu {
                Cpu::X86_64 => *x86_64,
                Cpu::Aarch64 => *aarch64,
            },
        })
    }

    /// Checks one version need name (`GLIBCXX_3.4.29`); names of other
    /// namespaces (other libraries' versions) are not limited.
    pub fn check_version(&self, name: &str) -> Result<(), VersionProblem> {
        let Some((prefix, version)) = name.split_once('_') else {
            return Ok(());
        };
        let (namespace, max) = match prefix {
            "GLIBC" => (Namespace::Glibc, None),
            "GLIBCXX" => (Namespace::Glibcxx, Some(self.maxima.glibcxx)),
            "CXXABI" => (Namespace::Cxxabi, Some(self.maxima.cxxabi)),
            "GCC" => (Namespace::Gcc, Some(self.maxima.gcc)),
            _ => return Ok(()),
        };
        let problem = |limit: String| Err(VersionProblem { limit, namespace });
        let Some(parts) = numeric(version) else {
            if allowed_special(self.cpu, self.ceiling, namespace, version) {
                return Ok(());
            }
            return problem(format!(
                "`{name}` is not allowed by the manylinux_{}_{} policy",
                self.policy_glibc.major, self.policy_glibc.minor
            ));
        };
        match max {
            None => {
                let need = GlibcVersion {
                    major: parts[0],
                    minor: parts.get(1).copied().unwrap_or(0),
                };
                if need > self.ceiling {
                    return problem(format!("the target's glibc is {}", self.ceiling));
                }
            }
            Some(max) => {
                if compare(&parts, max.0) == Ordering::Greater {
                    return problem(format!(
                        "the manylinux_{}_{} policy allows {}_{max} at most",
                        self.policy_glibc.major,
                        self.policy_glibc.minor,
                        namespace.prefix()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether `library` (a `DT_NEEDED` name) may be needed without bundling it.
    pub fn allows_library(&self, library: &str) -> bool {
        ALLOWED_LIBRARIES.contains(&library) || library == loader(self.cpu)
    }
}

/// Non-numeric versions of the policies: `CXXABI_TM_1` (transactional
/// memory, every policy), `CXXABI_FLOAT128` (`x86_64`, from `manylinux_2_24`)
/// and `GLIBC_ABI_DT_RELR` (packed relocations, from `manylinux_2_36`).
/// Anything else, e.g. `GLIBC_PRIVATE`, is refused.
pub fn allowed_special(
    cpu: Cpu,
    ceiling: GlibcVersion,
    namespace: Namespace,
    version: &str,
) -> bool {
    let at_least = |minor| ceiling >= GlibcVersion { major: 2, minor };
    match (namespace, version) {
        (Namespace::Cxxabi, "TM_1") => true,
        (Namespace::Cxxabi, "FLOAT128") => cpu == Cpu::X86_64 && at_least(24),
        (Namespace::Glibc, "ABI_DT_RELR") => at_least(36),
        _ => false,
    }
}

/// `3.4.29` as numbers; `None` if a part is not a number.
fn numeric(version: &str) -> Option<Vec<u32>> {
    version.split('.').map(|p| p.parse().ok()).collect()
}

fn compare(a: &[u32], b: &[u32]) -> Ordering {
    // Missing parts are 0: GCC_11.0 == GCC_11.0.0.
    let len = a.len().max(b.len());
    (0..len)
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glibc(s: &str) -> GlibcVersion {
        s.parse().unwrap()
    }

    #[test]
    fn policies_are_ordered_and_nothing_is_below_2_17() {
        assert!(POLICIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(Policy::new(Cpu::Aarch64, glibc("2.12")), None);
        assert_eq!(Policy::new(Cpu::Aarch64, glibc("3.0")), None);
        let p = Policy::new(Cpu::Aarch64, glibc("2.30")).unwrap();
        assert_eq!(p.policy_glibc, glibc("2.28"));
        let p = Policy::new(Cpu::X86_64, glibc("2.41")).unwrap();
        assert_eq!(p.policy_glibc, glibc("2.39"));
    }

    #[test]
    fn lambda_al2_arm64() {
        // python3.11 on Lambda arm64: Amazon Linux 2, glibc 2.26.
        let p = Policy::new(Cpu::Aarch64, glibc("2.26")).unwrap();
        assert_eq!(p.check_version("GLIBC_2.26"), Ok(()));
        assert_eq!(p.check_version("GLIBC_2.17"), Ok(()));
        assert_eq!(
            p.check_version("GLIBC_2.27").unwrap_err().limit,
            "the target's glibc is 2.26"
        );
        assert_eq!(p.check_version("GLIBCXX_3.4.24"), Ok(()));
        assert_eq!(
            p.check_version("GLIBCXX_3.4.29").unwrap_err().limit,
            "the manylinux_2_26 policy allows GLIBCXX_3.4.24 at most"
        );
        assert_eq!(p.check_version("CXXABI_1.3.11"), Ok(()));
        assert!(p.check_version("CXXABI_1.3.12").is_err());
        assert_eq!(p.check_version("CXXABI_TM_1"), Ok(()));
        assert!(p.check_version("CXXABI_FLOAT128").is_err());
        assert_eq!(p.check_version("GCC_7.0.0"), Ok(()));
        assert_eq!(p.check_version("GCC_3.0"), Ok(()));
        assert!(p.check_version("GCC_11.0").is_err());
        assert_eq!(
            p.check_version("GLIBC_PRIVATE").unwrap_err().limit,
            "`GLIBC_PRIVATE` is not allowed by the manylinux_2_26 policy"
        );
        assert!(p.check_version("GLIBC_ABI_DT_RELR").is_err());
        // Other libraries' namespaces are not limited.
        assert_eq!(p.check_version("OPENSSL_3.0.0"), Ok(()));
        assert_eq!(p.check_version("LIBFOO"), Ok(()));
    }

    #[test]
    fn x86_64_differs_from_aarch64_at_2_26() {
        let p = Policy::new(Cpu::X86_64, glibc("2.26")).unwrap();
        assert!(p.check_version("GLIBCXX_3.4.23").is_err());
        assert_eq!(p.check_version("GLIBCXX_3.4.22"), Ok(()));
        assert_eq!(p.check_version("CXXABI_FLOAT128"), Ok(()));
        assert!(p.check_version("GCC_7.0.0").is_err());
    }

    #[test]
    fn al2023() {
        let p = Policy::new(Cpu::Aarch64, glibc("2.34")).unwrap();
        assert_eq!(p.check_version("GLIBCXX_3.4.29"), Ok(()));
        assert!(p.check_version("GLIBCXX_3.4.30").is_err());
        assert_eq!(p.check_version("GCC_11.0.0"), Ok(()));
        let p = Policy::new(Cpu::Aarch64, glibc("2.36")).unwrap();
        assert_eq!(p.check_version("GLIBC_ABI_DT_RELR"), Ok(()));
    }

    #[test]
    fn libraries() {
        let p = Policy::new(Cpu::Aarch64, glibc("2.26")).unwrap();
        assert!(p.allows_library("libc.so.6"));
        assert!(p.allows_library("libstdc++.so.6"));
        assert!(p.allows_library("ld-linux-aarch64.so.1"));
        assert!(!p.allows_library("ld-linux-x86-64.so.2"));
        assert!(!p.allows_library("libssl.so.3"));
        assert!(!p.allows_library("libpython3.11.so.1.0"));
    }
}

//! Wheel choice for every environment of a hub at once.
//!
//! Materializing each environment's supported tags (thousands of strings per
//! environment, a hundred environments) costs far more than the choice itself.
//! Instead the tag components that the lock's wheels use are interned first,
//! and each environment's [`TagOrder`] is reduced to small integer tables over
//! just those components: a tag's priority is
//! `pair_rank(python, abi) * platform_count + platform_rank(platform)` (or the
//! `none-any` rank after all pairs), exactly its position in
//! [`TargetEnv::supported_tags`](ofiuco_spec::TargetEnv::supported_tags).
//! The pair tables depend only on the Python version and the platform tables
//! only on the platform, so they are built once per distinct value and shared.

use std::collections::HashMap;

use ofiuco_lock::Package;
use ofiuco_spec::{TagOrder, TargetEnv, WheelFilename};

use crate::EnvSet;

const NONE: u32 = u32::MAX;

/// A hasher for short strings and integers, where SipHash's DoS resistance buys nothing.
pub(crate) type FastHash = rustc_hash::FxBuildHasher;

type Ids = HashMap<String, u32, FastHash>;

fn intern(ids: &mut Ids, value: &str) -> u32 {
    if let Some(id) = ids.get(value) {
        return *id;
    }
    let id = u32::try_from(ids.len()).expect("fewer than 2^32 tag components");
    ids.insert(value.to_string(), id);
    id
}

/// The tag components of a lock's wheels, as dense ids.
#[derive(Default)]
pub(crate) struct Interner {
    python: Ids,
    abi: Ids,
    platform: Ids,
}

/// A wheel with its tags as (python, abi, platform) ids.
pub(crate) struct RankedWheel {
    /// The index of the file in the package's `files`.
    pub(crate) file: usize,
    tags: Vec<[u32; 3]>,
    /// Only for a wheel with a build tag: its name, to order build tags.
    build: Option<Box<WheelFilename>>,
    /// Whether every tag is `py3-none-any` or `py2-none-any`.
    universal: bool,
}

impl RankedWheel {
    /// Whether this wheel's build tag orders after `other`'s
    /// ([`WheelFilename::cmp_build_tag`]): no build tag orders first.
    fn build_tag_after(&self, other: &RankedWheel) -> bool {
        match (&self.build, &other.build) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(a), Some(b)) => a.cmp_build_tag(b).is_gt(),
        }
    }
}

impl Interner {
    pub(crate) fn wheel(&mut self, name: WheelFilename, file: usize) -> RankedWheel {
        let mut tags = Vec::with_capacity(
            name.python_tags.len() * name.abi_tags.len() * name.platform_tags.len(),
        );
        for python in &name.python_tags {
            let python = intern(&mut self.python, python);
            for abi in &name.abi_tags {
                let abi = intern(&mut self.abi, abi);
                for platform in &name.platform_tags {
                    tags.push([python, abi, intern(&mut self.platform, platform)]);
                }
            }
        }
        let universal = name
            .tag_triples()
            .all(|(py, abi, plat)| is_universal(py, abi, plat));
        RankedWheel {
            file,
            tags,
            build: name.build_tag.is_some().then(|| Box::new(name)),
            universal,
        }
    }
}

/// Ranking tables of one Python version over the interned components.
struct PythonTables {
    /// `python id * abi count + abi id` -> first pair position, or [`NONE`].
    pair: Vec<u32>,
    /// python id -> first `none-any` position, or [`NONE`].
    any: Vec<u32>,
    pair_count: u32,
}

/// Ranking table of one platform over the interned components.
struct PlatformTables {
    /// platform id -> first platform position, or [`NONE`].
    rank: Vec<u32>,
    count: u32,
}

/// Tag priorities of every environment, over the interned components.
pub(crate) struct Ranker {
    /// Per environment: (index into `pythons`, index into `platforms`).
    envs: Vec<(usize, usize)>,
    pythons: Vec<PythonTables>,
    platforms: Vec<PlatformTables>,
    abi_count: usize,
    abi_none: u32,
    platform_any: u32,
}

fn rank(value: usize) -> u32 {
    u32::try_from(value).expect("fewer than 2^32 tags")
}

impl Ranker {
    pub(crate) fn new(envs: &[TargetEnv], interner: &Interner) -> Self {
        let abi_count = interner.abi.len();
        let mut python_of: Vec<(u8, u8)> = Vec::new();
        let mut platform_of = Vec::new();
        let mut pythons = Vec::new();
        let mut platforms = Vec::new();
        let mut indices = Vec::with_capacity(envs.len());
        for env in envs {
            let platform_key = (env.os, env.arch, env.libc);
            let py = python_of.iter().position(|p| *p == env.python);
            let plat = platform_of.iter().position(|p| *p == platform_key);
            let order: Option<TagOrder> = (py.is_none() || plat.is_none()).then(|| env.tag_order());
            let py = py.unwrap_or_else(|| {
                python_of.push(env.python);
                pythons.push(python_tables(order.as_ref().expect("built"), interner));
                pythons.len() - 1
            });
            let plat = plat.unwrap_or_else(|| {
                platform_of.push(platform_key);
                platforms.push(platform_tables(order.as_ref().expect("built"), interner));
                platforms.len() - 1
            });
            indices.push((py, plat));
        }
        Self {
            envs: indices,
            pythons,
            platforms,
            abi_count,
            abi_none: interner.abi.get("none").copied().unwrap_or(NONE),
            platform_any: interner.platform.get("any").copied().unwrap_or(NONE),
        }
    }

    /// The best (lowest) priority among a wheel's tags in environment `env`;
    /// `None` if the wheel is not installable there.
    fn priority(&self, env: usize, wheel: &RankedWheel) -> Option<u32> {
        let (py, plat) = self.envs[env];
        let python = &self.pythons[py];
        let platform = &self.platforms[plat];
        let mut best = NONE;
        for &[p, a, l] in &wheel.tags {
            let pair = python.pair[p as usize * self.abi_count + a as usize];
            let place = platform.rank[l as usize];
            if pair != NONE && place != NONE {
                best = best.min(pair * platform.count + place);
            }
            if a == self.abi_none && l == self.platform_any {
                let any = python.any[p as usize];
                if any != NONE {
                    best = best.min(python.pair_count * platform.count + any);
                }
            }
        }
        (best != NONE).then_some(best)
    }

    /// The index (into `wheels`) of the wheel pip would install in environment
    /// `env`: the lowest tag priority; among equals the higher build tag, then
    /// the first one (as [`ofiuco_spec::TagPriority::best_wheel`]).
    pub(crate) fn best_wheel(&self, env: usize, wheels: &[RankedWheel]) -> Option<usize> {
        let mut best: Option<(u32, usize)> = None;
        for (index, wheel) in wheels.iter().enumerate() {
            let Some(rank) = self.priority(env, wheel) else {
                continue;
            };
            let better = match best {
                None => true,
                Some((best_rank, best_index)) => {
                    rank < best_rank
                        || (rank == best_rank && wheel.build_tag_after(&wheels[best_index]))
                }
            };
            if better {
                best = Some((rank, index));
            }
        }
        best.map(|(_, index)| index)
    }
}

/// For every package of `packages`: the wheel each environment of `envs`
/// installs, as (index into the package's files, environments) in file order.
/// Empty for a package without wheels or whose wheels fit nowhere.
pub(crate) fn choose_all(packages: &[Package], envs: &[TargetEnv]) -> Vec<Vec<(usize, EnvSet)>> {
    let mut interner = Interner::default();
    let wheels: Vec<Vec<RankedWheel>> = packages
        .iter()
        .map(|p| {
            p.files
                .iter()
                .enumerate()
                .filter_map(|(i, f)| {
                    let name = f.filename.parse::<WheelFilename>().ok()?;
                    Some(interner.wheel(name, i))
                })
                .collect()
        })
        .collect();
    let ranker = Ranker::new(envs, &interner);
    let all = crate::envs::all_of(envs.len());
    wheels
        .iter()
        .map(|wheels| {
            let mut by_wheel: Vec<EnvSet> = vec![0; wheels.len()];
            let pure = wheels.iter().all(|w| w.universal);
            if pure && !wheels.is_empty() {
                // Every environment scores `py3-none-any` wheels alike: decide once.
                if let Some(w) = ranker.best_wheel(0, wheels) {
                    by_wheel[w] = all;
                }
            } else {
                for e in 0..envs.len() {
                    if let Some(w) = ranker.best_wheel(e, wheels) {
                        by_wheel[w] |= 1 << e;
                    }
                }
            }
            by_wheel
                .into_iter()
                .enumerate()
                .filter(|(_, envs)| *envs != 0)
                .map(|(w, envs)| (wheels[w].file, envs))
                .collect()
        })
        .collect()
}

/// Tags every CPython 3 environment of the table accepts with the same priority.
fn is_universal(python: &str, abi: &str, platform: &str) -> bool {
    abi == "none" && platform == "any" && matches!(python, "py3" | "py2")
}

fn python_tables(order: &TagOrder, interner: &Interner) -> PythonTables {
    let abi_count = interner.abi.len();
    let mut pair = vec![NONE; interner.python.len() * abi_count];
    for (position, (python, abi)) in order.pairs().enumerate() {
        if let (Some(p), Some(a)) = (interner.python.get(python), interner.abi.get(abi)) {
            let slot = &mut pair[*p as usize * abi_count + *a as usize];
            if *slot == NONE {
                *slot = rank(position);
            }
        }
    }
    let mut any = vec![NONE; interner.python.len()];
    for (position, python) in order.any_pythons().enumerate() {
        if let Some(p) = interner.python.get(python) {
            let slot = &mut any[*p as usize];
            if *slot == NONE {
                *slot = rank(position);
            }
        }
    }
    PythonTables {
        pair,
        any,
        pair_count: rank(order.pair_count()),
    }
}

fn platform_tables(order: &TagOrder, interner: &Interner) -> PlatformTables {
    let mut table = vec![NONE; interner.platform.len()];
    for (position, platform) in order.platforms().enumerate() {
        if let Some(l) = interner.platform.get(platform) {
            let slot = &mut table[*l as usize];
            if *slot == NONE {
                *slot = rank(position);
            }
        }
    }
    PlatformTables {
        rank: table,
        count: rank(order.platform_count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofiuco_spec::{standard_envs, Arch};

    /// The ranker picks what each environment's full tag table picks.
    #[test]
    fn agrees_with_tag_priority() {
        let mut envs = standard_envs();
        envs.push(TargetEnv::linux_glibc(Arch::X86_64, (2, 17), (3, 9)));
        envs.push(TargetEnv::macos(Arch::X86_64, (10, 9), (3, 8)));
        let sets: [&[&str]; 5] = [
            &[
                "numpy-2.2.0-cp311-cp311-macosx_10_9_x86_64.whl",
                "numpy-2.2.0-cp311-cp311-macosx_14_0_arm64.whl",
                "numpy-2.2.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
                "numpy-2.2.0-cp311-cp311-manylinux_2_28_x86_64.whl",
                "numpy-2.2.0-cp311-cp311-musllinux_1_2_x86_64.whl",
                "numpy-2.2.0-cp311-cp311-win_amd64.whl",
                "numpy-2.2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "numpy-2.2.0-cp313-cp313t-manylinux_2_17_x86_64.whl",
            ],
            &[
                "cryptography-44.0.0-cp37-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl",
                "cryptography-44.0.0-cp39-abi3-musllinux_1_2_x86_64.whl",
                "cryptography-44.0.0-cp311-cp311-manylinux_2_17_x86_64.whl",
                "cryptography-44.0.0-cp39-abi3-macosx_10_9_universal2.whl",
                "cryptography-44.0.0-py3-none-any.whl",
            ],
            &[
                "a-1-py3-none-any.whl",
                "a-1-2-py3-none-any.whl",
                "a-1-2-py2.py3-none-any.whl",
                "a-1-cp310-none-any.whl",
                "a-1-py3-none-win_amd64.whl",
                "a-1-py310-none-any.whl",
            ],
            &["b-1-py2-none-any.whl", "b-1-cp27-cp27mu-linux_x86_64.whl"],
            &[
                "c-1-cp312-abi3-win_amd64.whl",
                "c-1-1-cp312-abi3-win_amd64.whl",
                "c-1-py2.py3-none-macosx_11_0_universal2.whl",
            ],
        ];
        for set in sets {
            let names: Vec<WheelFilename> = set.iter().map(|n| n.parse().unwrap()).collect();
            let mut interner = Interner::default();
            let wheels: Vec<RankedWheel> = names
                .iter()
                .enumerate()
                .map(|(i, n)| interner.wheel(n.clone(), i))
                .collect();
            let ranker = Ranker::new(&envs, &interner);
            for (e, env) in envs.iter().enumerate() {
                assert_eq!(
                    ranker.best_wheel(e, &wheels),
                    env.tag_priority().best_wheel(&names),
                    "{env}: {set:?}"
                );
            }
        }
    }
}

//! Choosing wheels: the tag ranker, for one environment or many at once.
//!
//! A wheel's priority in an environment is the first position of its best tag
//! in [`TargetEnv::supported_tags`] (0 is the most preferred); pip installs the
//! wheel of the lowest priority. Listing each environment's supported tags
//! (thousands of strings per environment, a hundred environments) costs far
//! more than the choice itself, so the ranker never does: the tag components
//! the wheels use are interned first ([`Interner`]), and each environment's
//! [`TagOrder`] is reduced to small integer tables over just those components
//! ([`Ranker`]).
//!
//! A tag's position is `pair_rank(python, abi) * platform_count +
//! platform_rank(platform)`, or `pair_count * platform_count +
//! any_rank(python)` for a `<python>-none-any` tag. Both parts grow with each
//! rank, so the best tag of a wheel's compressed tag sets combines its best
//! (python, abi) pair with its best platform: a wheel is ranked without
//! crossing its three tag sets. The pair tables depend only on the Python
//! version and the platform tables only on the platform, so they are built
//! once per distinct value and shared between environments.

use std::collections::HashMap;

use crate::env::TargetEnv;
use crate::filename::{cmp_build_tags, WheelFilename};
use crate::tags::TagOrder;

/// No id, or no position: the component or tag is not supported.
const NONE: u32 = u32::MAX;

/// Short strings and small integers as keys, where SipHash's DoS resistance buys nothing.
type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// The next dense id for `value`; [`NONE`] once `u32::MAX` ids are taken.
fn intern(ids: &mut FastMap<String, u32>, value: &str) -> u32 {
    if let Some(id) = ids.get(value) {
        return *id;
    }
    match u32::try_from(ids.len()) {
        Ok(id) if id != NONE => {
            ids.insert(value.to_string(), id);
            id
        }
        _ => NONE,
    }
}

/// The tag components of a set of wheels, as dense ids: build it over every
/// wheel to rank, then a [`Ranker`] over it.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    python: FastMap<String, u32>,
    abi: FastMap<String, u32>,
    platform: FastMap<String, u32>,
    /// (python id, abi id) -> pair id, for the pairs the wheels use.
    pairs: FastMap<(u32, u32), u32>,
}

/// A wheel's tags as ids of one [`Interner`], ready for a [`Ranker`].
#[derive(Clone, Debug)]
pub struct RankedWheel {
    /// In one allocation: the (python, abi) pair ids of the python × abi tag
    /// sets, then the platform ids (from `platforms_at`), then the python
    /// ids of its `<python>-none-any` tags (from `any_at`; none without such tags).
    ids: Vec<u32>,
    platforms_at: usize,
    any_at: usize,
    build_tag: Option<Box<str>>,
    universal: bool,
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Interns the tags of `wheel`. Components past `u32::MAX - 1` distinct
    /// values are left out (as unsupported).
    pub fn wheel(&mut self, wheel: &WheelFilename) -> RankedWheel {
        let (pythons, abis, platforms) =
            (&wheel.python_tags, &wheel.abi_tags, &wheel.platform_tags);
        let mut ids = Vec::with_capacity(
            (pythons.len().saturating_mul(abis.len()))
                .saturating_add(platforms.len())
                .min(64),
        );
        for python in pythons {
            let python = intern(&mut self.python, python);
            for abi in abis {
                let abi = intern(&mut self.abi, abi);
                if python == NONE || abi == NONE {
                    continue;
                }
                let next = u32::try_from(self.pairs.len()).unwrap_or(NONE);
                let pair = *self.pairs.entry((python, abi)).or_insert(next);
                if pair != NONE {
                    ids.push(pair);
                }
            }
        }
        let platforms_at = ids.len();
        for platform in platforms {
            let platform = intern(&mut self.platform, platform);
            if platform != NONE {
                ids.push(platform);
            }
        }
        let any_at = ids.len();
        if abis.iter().any(|abi| abi == "none") && platforms.iter().any(|p| p == "any") {
            for python in pythons {
                let python = intern(&mut self.python, python);
                if python != NONE {
                    ids.push(python);
                }
            }
        }
        RankedWheel {
            ids,
            platforms_at,
            any_at,
            build_tag: wheel.build_tag.as_deref().map(Box::from),
            universal: is_universal(wheel),
        }
    }

    fn pair_id(&self, python: &str, abi: &str) -> Option<u32> {
        let key = (*self.python.get(python)?, *self.abi.get(abi)?);
        self.pairs.get(&key).copied()
    }
}

/// Every tag is `py3-none-any` or `py2-none-any`.
fn is_universal(wheel: &WheelFilename) -> bool {
    wheel
        .python_tags
        .iter()
        .all(|python| matches!(python.as_str(), "py3" | "py2"))
        && wheel.abi_tags.iter().all(|abi| abi == "none")
        && wheel.platform_tags.iter().all(|platform| platform == "any")
}

impl RankedWheel {
    /// Whether every tag is `py3-none-any` or `py2-none-any`: then every
    /// CPython 3 environment chooses alike among such wheels.
    pub fn is_universal(&self) -> bool {
        self.universal
    }

    fn pairs(&self) -> &[u32] {
        &self.ids[..self.platforms_at]
    }

    fn platforms(&self) -> &[u32] {
        &self.ids[self.platforms_at..self.any_at]
    }

    fn any_pythons(&self) -> &[u32] {
        &self.ids[self.any_at..]
    }

    /// Whether this wheel's build tag orders after `other`'s
    /// ([`WheelFilename::cmp_build_tag`]): no build tag orders first.
    fn build_tag_after(&self, other: &RankedWheel) -> bool {
        cmp_build_tags(self.build_tag.as_deref(), other.build_tag.as_deref()).is_gt()
    }
}

/// Ranking tables of one Python version over the interned components.
#[derive(Clone, Debug)]
struct PythonTables {
    /// pair id -> first pair position, or [`NONE`].
    pair: Vec<u32>,
    /// python id -> first `none-any` position, or [`NONE`].
    any: Vec<u32>,
    pair_count: u64,
}

/// Ranking table of one platform over the interned components.
#[derive(Clone, Debug)]
struct PlatformTables {
    /// platform id -> first platform position, or [`NONE`].
    rank: Vec<u32>,
    count: u64,
}

/// Tag priorities of a list of environments over one [`Interner`]'s wheels.
///
/// It never panics: an environment index past the list, or a wheel of
/// another interner, finds no supported tag. Positions past `u32::MAX - 1`
/// (no real environment has that many tags) count as unsupported.
#[derive(Clone, Debug)]
pub struct Ranker {
    /// Per environment: (index into `pythons`, index into `platforms`).
    envs: Vec<(usize, usize)>,
    pythons: Vec<PythonTables>,
    platforms: Vec<PlatformTables>,
}

impl Ranker {
    /// Tables for `envs` (addressed by their index in it) over the components of `interner`.
    pub fn new(envs: &[TargetEnv], interner: &Interner) -> Self {
        let mut python_of: Vec<((u8, u8), bool)> = Vec::new();
        let mut platform_of = Vec::new();
        let mut pythons = Vec::new();
        let mut platforms = Vec::new();
        let mut indices = Vec::with_capacity(envs.len());
        for env in envs {
            let mut order: Option<TagOrder> = None;
            let python_key = (env.python, env.freethreaded);
            let py = if let Some(py) = python_of.iter().position(|p| *p == python_key) {
                py
            } else {
                let order = order.get_or_insert_with(|| env.tag_order());
                python_of.push(python_key);
                pythons.push(python_tables(order, interner));
                pythons.len() - 1
            };
            let platform_key = (env.os, env.arch, env.libc);
            let plat = if let Some(plat) = platform_of.iter().position(|p| *p == platform_key) {
                plat
            } else {
                let order = order.get_or_insert_with(|| env.tag_order());
                platform_of.push(platform_key);
                platforms.push(platform_tables(order, interner));
                platforms.len() - 1
            };
            indices.push((py, plat));
        }
        Self {
            envs: indices,
            pythons,
            platforms,
        }
    }

    /// The best (lowest) priority among a wheel's tags in environment `env`:
    /// the first position of its best tag in [`TargetEnv::supported_tags`].
    /// `None` if the wheel is not installable there.
    pub fn priority(&self, env: usize, wheel: &RankedWheel) -> Option<u64> {
        let &(py, plat) = self.envs.get(env)?;
        let python = self.pythons.get(py)?;
        let platform = self.platforms.get(plat)?;
        let mut best = None;
        let pair = best_position(&python.pair, wheel.pairs());
        let place = best_position(&platform.rank, wheel.platforms());
        if let (Some(pair), Some(place)) = (pair, place) {
            best = Some(pair.saturating_mul(platform.count).saturating_add(place));
        }
        if let Some(any) = best_position(&python.any, wheel.any_pythons()) {
            let any = python
                .pair_count
                .saturating_mul(platform.count)
                .saturating_add(any);
            best = Some(best.map_or(any, |b: u64| b.min(any)));
        }
        best
    }

    /// The index (into `wheels`) of the wheel pip would install in environment
    /// `env`: the lowest priority; among equals the higher build tag, then the
    /// first one. `None` if no wheel is installable there.
    pub fn best_wheel(&self, env: usize, wheels: &[RankedWheel]) -> Option<usize> {
        let mut best: Option<(u64, usize)> = None;
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

    /// [`Ranker::best_wheel`] of `wheels` for every environment, in
    /// environment order. Each wheel's tags are ranked once per distinct
    /// platform and Python version rather than once per environment, and an
    /// environment only compares the wheels that have a tag for its platform
    /// (or a `none-any` tag): the same answers, for a fraction of the work.
    pub fn best_wheels(&self, wheels: &[RankedWheel]) -> Vec<Option<usize>> {
        // Per platform: (wheel index, best platform position) of the wheels
        // it can install, in wheel order; `none-any` wheels with no position.
        let candidates: Vec<Vec<(usize, Option<u64>)>> = self
            .platforms
            .iter()
            .map(|platform| {
                wheels
                    .iter()
                    .enumerate()
                    .filter_map(|(index, wheel)| {
                        let place = best_position(&platform.rank, wheel.platforms());
                        (place.is_some() || !wheel.any_pythons().is_empty())
                            .then_some((index, place))
                    })
                    .collect()
            })
            .collect();
        // Per Python version and wheel: its best pair and `none-any` positions.
        let positions: Vec<Vec<(Option<u64>, Option<u64>)>> = self
            .pythons
            .iter()
            .map(|python| {
                wheels
                    .iter()
                    .map(|wheel| {
                        (
                            best_position(&python.pair, wheel.pairs()),
                            best_position(&python.any, wheel.any_pythons()),
                        )
                    })
                    .collect()
            })
            .collect();
        self.envs
            .iter()
            .map(|&(py, plat)| {
                let (python, platform) = (&self.pythons[py], &self.platforms[plat]);
                let mut best: Option<(u64, usize)> = None;
                for &(index, place) in &candidates[plat] {
                    let (pair, any) = positions[py][index];
                    let specific = pair.zip(place).map(|(pair, place)| {
                        pair.saturating_mul(platform.count).saturating_add(place)
                    });
                    let any = any.map(|any| {
                        python
                            .pair_count
                            .saturating_mul(platform.count)
                            .saturating_add(any)
                    });
                    let rank = match (specific, any) {
                        (Some(s), Some(a)) => s.min(a),
                        (Some(r), None) | (None, Some(r)) => r,
                        (None, None) => continue,
                    };
                    let better = match best {
                        None => true,
                        Some((best_rank, best_index)) => {
                            rank < best_rank
                                || (rank == best_rank
                                    && wheels[index].build_tag_after(&wheels[best_index]))
                        }
                    };
                    if better {
                        best = Some((rank, index));
                    }
                }
                best.map(|(_, index)| index)
            })
            .collect()
    }
}

/// The lowest position `table` records for `ids`; `None` if it records none.
fn best_position(table: &[u32], ids: &[u32]) -> Option<u64> {
    let mut best = NONE;
    for &id in ids {
        if let Some(&position) = table.get(id as usize) {
            best = best.min(position);
        }
    }
    (best != NONE).then_some(u64::from(best))
}

/// Records `position` for `id` unless an earlier position is recorded.
fn first_position(table: &mut [u32], id: u32, position: usize) {
    if let Some(slot) = table.get_mut(id as usize) {
        if *slot == NONE {
            *slot = u32::try_from(position).unwrap_or(NONE);
        }
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn python_tables(order: &TagOrder, interner: &Interner) -> PythonTables {
    let mut pair = vec![NONE; interner.pairs.len()];
    for (position, (python, abi)) in order.pairs().enumerate() {
        if let Some(id) = interner.pair_id(python, abi) {
            first_position(&mut pair, id, position);
        }
    }
    let mut any = vec![NONE; interner.python.len()];
    for (position, python) in order.any_pythons().enumerate() {
        if let Some(&id) = interner.python.get(python) {
            first_position(&mut any, id, position);
        }
    }
    PythonTables {
        pair,
        any,
        pair_count: count(order.pair_count()),
    }
}

fn platform_tables(order: &TagOrder, interner: &Interner) -> PlatformTables {
    let mut rank = vec![NONE; interner.platform.len()];
    for (position, platform) in order.platforms().enumerate() {
        if let Some(&id) = interner.platform.get(platform) {
            first_position(&mut rank, id, position);
        }
    }
    PlatformTables {
        rank,
        count: count(order.platform_count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{standard_envs, Arch};
    use crate::tags::Tag;

    /// Test-only reference: each supported tag's first position in the
    /// materialized [`TargetEnv::supported_tags`], in PyPA order.
    fn first_positions(tags: &[Tag]) -> HashMap<&Tag, u64> {
        let mut positions = HashMap::new();
        for (position, tag) in tags.iter().enumerate() {
            positions.entry(tag).or_insert(position as u64);
        }
        positions
    }

    /// The reference priority of a wheel: its best tag's first position.
    fn reference_priority(positions: &HashMap<&Tag, u64>, wheel: &WheelFilename) -> Option<u64> {
        wheel
            .tags()
            .filter_map(|tag| positions.get(&tag).copied())
            .min()
    }

    /// The reference choice: lowest priority, then higher build tag, then first.
    fn reference_best(env: &TargetEnv, wheels: &[WheelFilename]) -> Option<usize> {
        let tags = env.supported_tags();
        let positions = first_positions(&tags);
        let mut best: Option<(u64, usize)> = None;
        for (index, wheel) in wheels.iter().enumerate() {
            let Some(rank) = reference_priority(&positions, wheel) else {
                continue;
            };
            let better = best.is_none_or(|(best_rank, best_index)| {
                rank < best_rank
                    || (rank == best_rank && wheel.cmp_build_tag(&wheels[best_index]).is_gt())
            });
            if better {
                best = Some((rank, index));
            }
        }
        best.map(|(_, index)| index)
    }

    fn parse(names: &[&str]) -> Vec<WheelFilename> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn odd_envs() -> Vec<TargetEnv> {
        let mut envs = standard_envs();
        envs.push(TargetEnv::linux_glibc(Arch::X86_64, (2, 17), (3, 9)));
        envs.push(TargetEnv::linux_glibc(Arch::X86_64, (3, 2), (3, 9)));
        envs.push(TargetEnv::macos(Arch::X86_64, (10, 9), (3, 8)));
        envs.push(TargetEnv::macos(Arch::X86_64, (10, 9), (3, 1)));
        envs.push(TargetEnv::macos(Arch::X86_64, (10, 3), (2, 7)));
        envs
    }

    /// Every supported tag (and a few unsupported ones) ranks at its first
    /// position in the PyPA order.
    #[test]
    fn priority_is_first_position_in_supported_tags() {
        let probes = [
            Tag::new("py2", "none", "any"),
            Tag::new("cp311", "abi3", "any"),
            Tag::new("cp39", "cp39", "linux_x86_64"),
            Tag::new("py3", "none", "manylinux_2_50_x86_64"),
        ];
        for env in odd_envs() {
            let tags = env.supported_tags();
            let positions = first_positions(&tags);
            let names: Vec<WheelFilename> = tags
                .iter()
                .chain(&probes)
                .map(|tag| format!("x-1-{tag}.whl").parse().unwrap())
                .collect();
            let mut interner = Interner::new();
            let wheels: Vec<RankedWheel> = names.iter().map(|n| interner.wheel(n)).collect();
            let ranker = Ranker::new(&[env], &interner);
            for (name, wheel) in names.iter().zip(&wheels) {
                assert_eq!(
                    ranker.priority(0, wheel),
                    reference_priority(&positions, name),
                    "{env}: {name}"
                );
            }
        }
    }

    /// The ranker picks (and ranks) what each environment's materialized tag list does.
    #[test]
    fn agrees_with_supported_tags() {
        let envs = odd_envs();
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
                "c-1-cp311.py3-abi3.none-any.manylinux_2_17_x86_64.whl",
            ],
        ];
        for set in sets {
            let names = parse(set);
            let mut interner = Interner::new();
            let wheels: Vec<RankedWheel> = names.iter().map(|n| interner.wheel(n)).collect();
            let ranker = Ranker::new(&envs, &interner);
            let all = ranker.best_wheels(&wheels);
            assert_eq!(all.len(), envs.len());
            for (e, env) in envs.iter().enumerate() {
                assert_eq!(
                    ranker.best_wheel(e, &wheels),
                    reference_best(env, &names),
                    "{env}: {set:?}"
                );
                assert_eq!(all[e], reference_best(env, &names), "{env}: {set:?}");
                let tags = env.supported_tags();
                let positions = first_positions(&tags);
                for (name, wheel) in names.iter().zip(&wheels) {
                    assert_eq!(
                        ranker.priority(e, wheel),
                        reference_priority(&positions, name),
                        "{env}: {name}"
                    );
                }
            }
        }
    }

    #[test]
    fn best_wheel_prefers_priority_then_build_tag_then_first() {
        let env = TargetEnv::linux_glibc(Arch::X86_64, (2, 17), (3, 11));
        let pick = |names: &[&str]| env.best_wheel(&parse(names));
        assert_eq!(
            pick(&[
                "a-1-py3-none-any.whl",
                "a-1-cp311-cp311-linux_x86_64.whl",
                "a-1-cp312-cp312-linux_x86_64.whl",
            ]),
            Some(1)
        );
        assert_eq!(
            pick(&[
                "a-1-py3-none-any.whl",
                "a-1-2-py3-none-any.whl",
                "a-1-2-py2.py3-none-any.whl",
            ]),
            Some(1)
        );
        assert_eq!(pick(&["a-1-cp312-cp312-linux_x86_64.whl"]), None);
        assert_eq!(pick(&[]), None);
    }

    #[test]
    fn universal_wheels() {
        let mut interner = Interner::new();
        let universal = |interner: &mut Interner, name: &str| {
            interner.wheel(&name.parse().unwrap()).is_universal()
        };
        assert!(universal(&mut interner, "a-1-py2.py3-none-any.whl"));
        assert!(universal(&mut interner, "a-1-3-py3-none-any.whl"));
        assert!(!universal(&mut interner, "a-1-py310-none-any.whl"));
        assert!(!universal(&mut interner, "a-1-py3-none-win_amd64.whl"));
        assert!(!universal(&mut interner, "a-1-py3-abi3-any.whl"));
    }

    /// Out-of-range environments, wheels of another interner, no environments
    /// or no wheels: no choice, and no panic.
    #[test]
    fn never_panics() {
        let names = parse(&["a-1-cp311-cp311-win_amd64.whl", "a-1-py3-none-any.whl"]);
        let mut small = Interner::new();
        let only_pure = small.wheel(&names[1]);
        let mut big = Interner::new();
        let wheels: Vec<RankedWheel> = names.iter().map(|n| big.wheel(n)).collect();
        let env = TargetEnv::windows(Arch::X86_64, (3, 11));
        let ranker = Ranker::new(&[env], &small);
        assert_eq!(ranker.best_wheel(1, &wheels), None);
        assert_eq!(ranker.priority(usize::MAX, &only_pure), None);
        // Ids of `big` beyond `small`'s tables are not supported; those within
        // may mean other tags, which is the caller's mistake, but no panic.
        let _ = ranker.best_wheel(0, &wheels);
        assert_eq!(Ranker::new(&[], &big).best_wheel(0, &wheels), None);
        assert_eq!(Ranker::new(&[env], &big).best_wheel(0, &[]), None);
        assert_eq!(Ranker::new(&[env], &big).best_wheel(0, &wheels), Some(0));
        assert_eq!(Ranker::new(&[env], &big).best_wheels(&wheels), [Some(0)]);
        assert_eq!(Ranker::new(&[env], &big).best_wheels(&[]), [None]);
        assert!(Ranker::new(&[], &big).best_wheels(&wheels).is_empty());
        let _ = ranker.best_wheels(&wheels);
    }
}

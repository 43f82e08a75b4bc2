//! Wheel choice for every environment of a hub at once, with the tag ranker
//! of [`ofiuco_spec::Ranker`]: the tag components of every wheel of the lock
//! are interned once and ranked over tables shared between environments.

use ofiuco_lock::Package;
use ofiuco_spec::{Interner, RankedWheel, Ranker, TargetEnv, WheelFilename};

use crate::EnvSet;

/// A hasher for short strings and integers, where SipHash's DoS resistance buys nothing.
pub(crate) type FastHash = rustc_hash::FxBuildHasher;

/// The wheels of one package: each file that parses as a wheel, ranked.
struct PackageWheels {
    /// Per wheel: the index of its file in the package's `files`.
    files: Vec<usize>,
    wheels: Vec<RankedWheel>,
    /// Per file: its parsed name, if it is a wheel.
    names: Vec<Option<WheelFilename>>,
}

/// What [`choose_all`] found for one package.
pub(crate) struct Choice {
    /// The wheel each environment installs, as (index into the package's
    /// files, environments) in file order. Empty for a package without
    /// wheels or whose wheels fit nowhere.
    pub(crate) by_wheel: Vec<(usize, EnvSet)>,
    /// Per file of the package: its parsed name, if it is a wheel (for the
    /// no-wheel lines, which would parse it again).
    pub(crate) names: Vec<Option<WheelFilename>>,
}

/// For every package of `packages`: the wheel each environment of `envs` installs.
pub(crate) fn choose_all<'p>(
    packages: impl IntoIterator<Item = &'p Package>,
    envs: &[TargetEnv],
) -> Vec<Choice> {
    let mut interner = Interner::new();
    let packages: Vec<PackageWheels> = packages
        .into_iter()
        .map(|p| {
            let mut files = Vec::new();
            let mut wheels = Vec::new();
            let mut names = Vec::with_capacity(p.files.len());
            for (i, f) in p.files.iter().enumerate() {
                // Most files that are no wheel (sdists) are told by their end, without a parse.
                let name = f
                    .filename
                    .ends_with(".whl")
                    .then(|| f.filename.parse::<WheelFilename>().ok())
                    .flatten();
                if let Some(name) = &name {
                    files.push(i);
                    wheels.push(interner.wheel(name));
                }
                names.push(name);
            }
            PackageWheels {
                files,
                wheels,
                names,
            }
        })
        .collect();
    let ranker = Ranker::new(envs, &interner);
    let all = EnvSet::full(envs.len());
    packages
        .into_iter()
        .map(
            |PackageWheels {
                 files,
                 wheels,
                 names,
             }| {
                let mut by_wheel: Vec<EnvSet> = vec![EnvSet::empty(envs.len()); wheels.len()];
                let pure = wheels.iter().all(RankedWheel::is_universal);
                if pure && !wheels.is_empty() {
                    // Every environment scores `py3-none-any` wheels alike: decide once.
                    if let Some(w) = ranker.best_wheel(0, &wheels) {
                        by_wheel[w] = all.clone();
                    }
                } else {
                    for (e, best) in ranker.best_wheels(&wheels).into_iter().enumerate() {
                        if let Some(w) = best {
                            by_wheel[w].insert(e);
                        }
                    }
                }
                let by_wheel = by_wheel
                    .into_iter()
                    .enumerate()
                    .filter(|(_, envs)| !envs.is_empty())
                    .map(|(w, envs)| (files[w], envs))
                    .collect();
                Choice { by_wheel, names }
            },
        )
        .collect()
}

//! Compatibility tags (PEP 425) and a fast priority table for choosing wheels.

use std::fmt;

use crate::filename::WheelFilename;

/// One `python-abi-platform` compatibility tag, e.g. `cp311-abi3-manylinux_2_17_x86_64`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    pub python: String,
    pub abi: String,
    pub platform: String,
}

impl Tag {
    pub fn new(
        python: impl Into<String>,
        abi: impl Into<String>,
        platform: impl Into<String>,
    ) -> Self {
        Tag {
            python: python.into(),
            abi: abi.into(),
            platform: platform.into(),
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.python, self.abi, self.platform)
    }
}

/// The tags a CPython target supports, in the shape `packaging.tags.sys_tags()`
/// generates them: every (interpreter, ABI) pair crossed with every platform,
/// pair-major, then the `<python>-none-any` tags. [`TagOrder::tags`] lists them
/// most preferred first; [`TagOrder::priority`] finds a tag's position without
/// materializing the list, which is what choosing among many wheels for many
/// targets needs.
///
/// A tag's position is `pair_rank * platform_count + platform_rank` for a
/// platform-specific tag and `pair_count * platform_count + any_rank` for a
/// `*-none-any` one, so the python/ABI part and the platform part of a ranking
/// can be computed (and shared between targets) separately.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagOrder {
    pairs: Vec<(String, String)>,
    platforms: Vec<String>,
    any: Vec<String>,
}

impl TagOrder {
    /// `pairs` (python, abi) and `platforms` most preferred first, then the
    /// python tags of the `<python>-none-any` tags.
    pub fn new(pairs: Vec<(String, String)>, platforms: Vec<String>, any: Vec<String>) -> Self {
        TagOrder {
            pairs,
            platforms,
            any,
        }
    }

    /// Every tag, most preferred first (a tag listed twice appears twice).
    pub fn tags(&self) -> impl Iterator<Item = Tag> + '_ {
        let blocks = self.pairs.iter().flat_map(move |(python, abi)| {
            self.platforms
                .iter()
                .map(move |platform| Tag::new(python, abi, platform))
        });
        blocks.chain(
            self.any
                .iter()
                .map(|python| Tag::new(python.as_str(), "none", "any")),
        )
    }

    /// The (python, abi) pairs, most preferred first.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.pairs.iter().map(|(p, a)| (p.as_str(), a.as_str()))
    }

    /// The platforms, most preferred first.
    pub fn platforms(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.platforms.iter().map(String::as_str)
    }

    /// The python tags of the `<python>-none-any` tags, most preferred first.
    pub fn any_pythons(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.any.iter().map(String::as_str)
    }

    /// Number of tags [`TagOrder::tags`] yields.
    pub fn tag_count(&self) -> usize {
        self.pairs.len() * self.platforms.len() + self.any.len()
    }

    /// Number of (python, abi) pairs.
    pub fn pair_count(&self) -> usize {
        self.pairs.len()
    }

    /// Number of platforms.
    pub fn platform_count(&self) -> usize {
        self.platforms.len()
    }

    /// The first position of (python, abi) among the pairs.
    pub fn pair_rank(&self, python: &str, abi: &str) -> Option<usize> {
        self.pairs.iter().position(|(p, a)| p == python && a == abi)
    }

    /// The first position of `platform` among the platforms.
    pub fn platform_rank(&self, platform: &str) -> Option<usize> {
        self.platforms.iter().position(|p| p == platform)
    }

    /// The first position of `python` among the `<python>-none-any` tags.
    pub fn any_rank(&self, python: &str) -> Option<usize> {
        self.any.iter().position(|p| p == python)
    }

    /// The priority of one tag (its first position in [`TagOrder::tags`], as
    /// [`TagPriority`] counts it); `None` if the target does not support it.
    pub fn priority(&self, python: &str, abi: &str, platform: &str) -> Option<usize> {
        let platforms = self.platforms.len();
        let specific = self
            .pair_rank(python, abi)
            .zip(self.platform_rank(platform))
            .map(|(pair, platform)| pair * platforms + platform);
        let any = if abi == "none" && platform == "any" {
            self.any_rank(python)
                .map(|rank| self.pairs.len() * platforms + rank)
        } else {
            None
        };
        match (specific, any) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The keys are short tag strings and small integers, for which SipHash's DoS
/// resistance buys nothing and costs most of the lookup time.
type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// The supported tags of one target, indexed for lookups: priority 0 is the
/// most preferred tag. Build it once per target (see
/// [`TargetEnv::tag_priority`](crate::TargetEnv::tag_priority)) and ask it about many wheels.
#[derive(Clone, Debug, Default)]
pub struct TagPriority {
    python: FastMap<String, u32>,
    abi: FastMap<String, u32>,
    platform: FastMap<String, u32>,
    /// (python, abi, platform) component ids packed into one key → priority.
    ranks: FastMap<u64, usize>,
}

fn intern(map: &mut FastMap<String, u32>, value: &str) -> u32 {
    if let Some(id) = map.get(value) {
        return *id;
    }
    let id = u32::try_from(map.len()).expect("fewer than 2^21 distinct tag components");
    map.insert(value.to_string(), id);
    id
}

fn pack(python: u32, abi: u32, platform: u32) -> u64 {
    (u64::from(python) << 42) | (u64::from(abi) << 21) | u64::from(platform)
}

impl TagPriority {
    /// Indexes `tags`, most preferred first. A tag listed twice keeps its first position.
    pub fn new<I: IntoIterator<Item = Tag>>(tags: I) -> Self {
        let mut table = TagPriority::default();
        for (priority, tag) in tags.into_iter().enumerate() {
            let key = pack(
                intern(&mut table.python, &tag.python),
                intern(&mut table.abi, &tag.abi),
                intern(&mut table.platform, &tag.platform),
            );
            table.ranks.entry(key).or_insert(priority);
        }
        table
    }

    /// Number of distinct supported tags.
    pub fn len(&self) -> usize {
        self.ranks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranks.is_empty()
    }

    /// The priority of one tag, `None` if the target does not support it.
    pub fn tag_priority(&self, python: &str, abi: &str, platform: &str) -> Option<usize> {
        let key = pack(
            *self.python.get(python)?,
            *self.abi.get(abi)?,
            *self.platform.get(platform)?,
        );
        self.ranks.get(&key).copied()
    }

    /// The best (lowest) priority among a wheel's tags; `None` if the wheel is
    /// not installable on the target.
    pub fn priority(&self, wheel: &WheelFilename) -> Option<usize> {
        let mut best: Option<usize> = None;
        for python in &wheel.python_tags {
            let Some(&py) = self.python.get(python.as_str()) else {
                continue;
            };
            for abi in &wheel.abi_tags {
                let Some(&abi) = self.abi.get(abi.as_str()) else {
                    continue;
                };
                for platform in &wheel.platform_tags {
                    let Some(&plat) = self.platform.get(platform.as_str()) else {
                        continue;
                    };
                    if let Some(&rank) = self.ranks.get(&pack(py, abi, plat)) {
                        best = Some(best.map_or(rank, |b| b.min(rank)));
                    }
                }
            }
        }
        best
    }

    /// The index (in iteration order) of the wheel pip would install: the lowest
    /// tag priority; among equals the higher build tag, then the first one.
    /// `None` if no wheel is compatible.
    pub fn best_wheel<'a, I>(&self, files: I) -> Option<usize>
    where
        I: IntoIterator<Item = &'a WheelFilename>,
    {
        let mut best: Option<(usize, usize, &WheelFilename)> = None;
        for (index, wheel) in files.into_iter().enumerate() {
            let Some(rank) = self.priority(wheel) else {
                continue;
            };
            let better = match best {
                None => true,
                Some((best_rank, _, best_wheel)) => {
                    rank < best_rank
                        || (rank == best_rank && wheel.cmp_build_tag(best_wheel).is_gt())
                }
            };
            if better {
                best = Some((rank, index, wheel));
            }
        }
        best.map(|(_, index, _)| index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wheels(names: &[&str]) -> Vec<WheelFilename> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn priorities() {
        let table = TagPriority::new([
            Tag::new("cp311", "cp311", "linux_x86_64"),
            Tag::new("cp311", "abi3", "linux_x86_64"),
            Tag::new("cp311", "cp311", "linux_x86_64"),
            Tag::new("py3", "none", "any"),
        ]);
        assert_eq!(table.len(), 3);
        assert_eq!(
            table.tag_priority("cp311", "cp311", "linux_x86_64"),
            Some(0)
        );
        assert_eq!(table.tag_priority("py3", "none", "any"), Some(3));
        assert_eq!(table.tag_priority("py3", "none", "linux_x86_64"), None);
        assert_eq!(table.tag_priority("py2", "none", "any"), None);
    }

    #[test]
    fn best_wheel_prefers_priority_then_build_tag_then_first() {
        let table = TagPriority::new([
            Tag::new("cp311", "cp311", "linux_x86_64"),
            Tag::new("py3", "none", "any"),
        ]);
        let files = wheels(&[
            "a-1-py3-none-any.whl",
            "a-1-cp311-cp311-linux_x86_64.whl",
            "a-1-cp312-cp312-linux_x86_64.whl",
        ]);
        assert_eq!(table.best_wheel(&files), Some(1));
        let files = wheels(&[
            "a-1-py3-none-any.whl",
            "a-1-2-py3-none-any.whl",
            "a-1-2-py2.py3-none-any.whl",
        ]);
        assert_eq!(table.best_wheel(&files), Some(1));
        let files = wheels(&["a-1-cp312-cp312-linux_x86_64.whl"]);
        assert_eq!(table.best_wheel(&files), None);
        assert_eq!(table.best_wheel(&[]), None);
    }
}

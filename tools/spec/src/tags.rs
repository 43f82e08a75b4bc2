//! Compatibility tags (PEP 425) and the order in which a target prefers them.

use std::fmt;

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
/// most preferred first; the [`Ranker`](crate::Ranker) ranks wheels from its
/// parts without materializing the list, which is what choosing among many
/// wheels for many targets needs.
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
        self.pairs
            .len()
            .saturating_mul(self.platforms.len())
            .saturating_add(self.any.len())
    }

    /// Number of (python, abi) pairs.
    pub fn pair_count(&self) -> usize {
        self.pairs.len()
    }

    /// Number of platforms.
    pub fn platform_count(&self) -> usize {
        self.platforms.len()
    }
}

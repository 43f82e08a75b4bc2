//! [`EnvSet`]: a set of environments of the [`EnvTable`](crate::EnvTable), as
//! bits over its indices. Every set of one table has the table's length, so
//! the matrix can grow without a fixed capacity; up to 256 environments the
//! bits live inline (no allocation: the hub builds and combines millions of
//! these sets, and a heap-backed bit set made `ofiuco lock` spend a fifth of
//! its time in malloc). No bit-set crate offers inline storage that grows.

use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};

use smallvec::SmallVec;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnvSet {
    words: SmallVec<[u64; 4]>,
    len: usize,
}

impl EnvSet {
    /// No environment of a table of `n`.
    pub fn empty(n: usize) -> Self {
        Self {
            words: SmallVec::from_elem(0, n.div_ceil(64)),
            len: n,
        }
    }

    /// Every environment of a table of `n`.
    pub fn full(n: usize) -> Self {
        let mut set = Self::empty(n);
        for word in &mut set.words {
            *word = u64::MAX;
        }
        set.trim();
        set
    }

    /// Clears the bits past `len` in the last word.
    fn trim(&mut self) {
        let tail = self.len % 64;
        if tail != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << tail) - 1;
            }
        }
    }

    /// Adds environment `i` (ignored past the table's length).
    pub fn insert(&mut self, i: usize) {
        if i < self.len {
            self.words[i / 64] |= 1 << (i % 64);
        }
    }

    pub fn contains(&self, i: usize) -> bool {
        i < self.len && self.words[i / 64] & (1 << (i % 64)) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// The indices in the set, ascending.
    pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len).filter(|i| self.contains(*i))
    }

    fn zip_with(&mut self, other: &EnvSet, f: impl Fn(u64, u64) -> u64) {
        if other.words.len() > self.words.len() {
            self.words.resize(other.words.len(), 0);
            self.len = other.len;
        }
        for (i, word) in self.words.iter_mut().enumerate() {
            *word = f(*word, other.words.get(i).copied().unwrap_or(0));
        }
    }
}

impl BitOrAssign<&EnvSet> for EnvSet {
    fn bitor_assign(&mut self, other: &EnvSet) {
        self.zip_with(other, |a, b| a | b);
    }
}

impl BitOrAssign for EnvSet {
    fn bitor_assign(&mut self, other: EnvSet) {
        *self |= &other;
    }
}

impl BitAndAssign<&EnvSet> for EnvSet {
    fn bitand_assign(&mut self, other: &EnvSet) {
        self.zip_with(other, |a, b| a & b);
    }
}

impl BitAndAssign for EnvSet {
    fn bitand_assign(&mut self, other: EnvSet) {
        *self &= &other;
    }
}

impl BitOr<&EnvSet> for EnvSet {
    type Output = EnvSet;
    fn bitor(mut self, other: &EnvSet) -> EnvSet {
        self |= other;
        self
    }
}

impl BitOr for EnvSet {
    type Output = EnvSet;
    fn bitor(mut self, other: EnvSet) -> EnvSet {
        self |= &other;
        self
    }
}

impl BitAnd<&EnvSet> for EnvSet {
    type Output = EnvSet;
    fn bitand(mut self, other: &EnvSet) -> EnvSet {
        self &= other;
        self
    }
}

impl BitAnd for EnvSet {
    type Output = EnvSet;
    fn bitand(mut self, other: EnvSet) -> EnvSet {
        self &= &other;
        self
    }
}

impl Not for &EnvSet {
    type Output = EnvSet;
    fn not(self) -> EnvSet {
        let mut set = self.clone();
        for word in &mut set.words {
            *word = !*word;
        }
        set.trim();
        set
    }
}

#[cfg(test)]
mod tests {
    use super::EnvSet;

    #[test]
    fn set_algebra_past_128_and_past_inline() {
        for n in [189, 300] {
            let mut a = EnvSet::empty(n);
            a.insert(3);
            a.insert(n - 1);
            a.insert(n + 5);
            let all = EnvSet::full(n);
            assert_eq!(all.ones().count(), n);
            assert_eq!((!&a).ones().count(), n - 2);
            assert_eq!((all.clone() & &a), a);
            assert!((!&all).is_empty());
            let mut b = EnvSet::empty(n);
            b |= &a;
            assert!(b.contains(n - 1) && b.contains(3) && !b.contains(4));
            assert_eq!(b.ones().collect::<Vec<_>>(), [3, n - 1]);
            assert_eq!(!&!&b, b);
        }
    }
}

//! [`EnvSet`]: a set of environments of the [`EnvTable`](crate::EnvTable), as
//! bits over its indices. Every set of one table has the table's length, so
//! the matrix can grow without a fixed capacity.

use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};

use fixedbitset::FixedBitSet;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnvSet(FixedBitSet);

impl EnvSet {
    /// No environment of a table of `n`.
    pub fn empty(n: usize) -> Self {
        Self(FixedBitSet::with_capacity(n))
    }

    /// Every environment of a table of `n`.
    pub fn full(n: usize) -> Self {
        let mut bits = FixedBitSet::with_capacity(n);
        bits.insert_range(..);
        Self(bits)
    }

    pub fn insert(&mut self, i: usize) {
        self.0.insert(i);
    }

    pub fn contains(&self, i: usize) -> bool {
        self.0.contains(i)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_clear()
    }

    /// The indices in the set, ascending.
    pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.ones()
    }
}

impl BitOrAssign<&EnvSet> for EnvSet {
    fn bitor_assign(&mut self, other: &EnvSet) {
        self.0.union_with(&other.0);
    }
}

impl BitOrAssign for EnvSet {
    fn bitor_assign(&mut self, other: EnvSet) {
        self.0.union_with(&other.0);
    }
}

impl BitAndAssign<&EnvSet> for EnvSet {
    fn bitand_assign(&mut self, other: &EnvSet) {
        self.0.intersect_with(&other.0);
    }
}

impl BitAndAssign for EnvSet {
    fn bitand_assign(&mut self, other: EnvSet) {
        self.0.intersect_with(&other.0);
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
        let mut bits = self.0.clone();
        bits.toggle_range(..);
        EnvSet(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::EnvSet;

    #[test]
    fn set_algebra_past_128() {
        let mut a = EnvSet::empty(300);
        a.insert(3);
        a.insert(299);
        let all = EnvSet::full(300);
        assert_eq!((!&a).ones().count(), 298);
        assert_eq!((all.clone() & &a), a);
        assert!((!&all).is_empty());
        let mut b = EnvSet::empty(300);
        b |= &a;
        assert!(b.contains(299) && b.contains(3) && !b.contains(4));
        assert_eq!(b.ones().collect::<Vec<_>>(), [3, 299]);
    }
}

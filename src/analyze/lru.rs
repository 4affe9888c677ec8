//! A least-recently-used map bounded by its number of entries, for the result cache
//! ([`super::cache`]).
//!
//! In: keys and values, a capacity. Out: the value of a key if it is still held; inserting
//! into a full map evicts the entry read or written longest ago, so it never holds more than
//! its capacity (0 holds nothing). Entries live in one vector linked into a recency list by
//! index; a hash map finds a key's slot. Every operation is O(1); not thread-safe by itself.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

const NONE: usize = usize::MAX;

struct Node<K, V> {
    key: K,
    value: V,
    /// Towards the most recent entry.
    newer: usize,
    /// Towards the least recent entry.
    older: usize,
}

/// The map; see the module documentation.
pub struct Lru<K, V> {
    slots: HashMap<K, usize>,
    nodes: Vec<Node<K, V>>,
    newest: usize,
    oldest: usize,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    /// An empty map holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Lru<K, V> {
        Lru {
            slots: HashMap::new(),
            nodes: Vec::new(),
            newest: NONE,
            oldest: NONE,
            capacity,
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The value of `key`, which becomes the most recent entry.
    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = *self.slots.get(key)?;
        self.touch(slot);
        Some(&self.nodes[slot].value)
    }

    /// Hold `value` under `key` as the most recent entry, evicting the oldest when full.
    pub fn insert(&mut self, key: K, value: V) {
        if let Some(&slot) = self.slots.get(&key) {
            self.nodes[slot].value = value;
            self.touch(slot);
            return;
        }
        if self.capacity == 0 {
            return;
        }
        let slot = if self.nodes.len() < self.capacity {
            self.nodes.push(Node {
                key: key.clone(),
                value,
                newer: NONE,
                older: NONE,
            });
            self.nodes.len() - 1
        } else {
            // Full: the oldest entry's slot takes the new one.
            let slot = self.oldest;
            self.unlink(slot);
            let node = &mut self.nodes[slot];
            self.slots.remove(&node.key);
            node.key = key.clone();
            node.value = value;
            slot
        };
        self.slots.insert(key, slot);
        self.push_newest(slot);
    }

    fn touch(&mut self, slot: usize) {
        if self.newest != slot {
            self.unlink(slot);
            self.push_newest(slot);
        }
    }

    fn unlink(&mut self, slot: usize) {
        let (newer, older) = (self.nodes[slot].newer, self.nodes[slot].older);
        match newer {
            NONE => self.newest = older,
            n => self.nodes[n].older = older,
        }
        match older {
            NONE => self.oldest = newer,
            o => self.nodes[o].newer = newer,
        }
    }

    fn push_newest(&mut self, slot: usize) {
        self.nodes[slot].newer = NONE;
        self.nodes[slot].older = self.newest;
        match self.newest {
            NONE => self.oldest = slot,
            n => self.nodes[n].newer = slot,
        }
        self.newest = slot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_at_most_its_capacity_and_evicts_the_least_recently_used() {
        let mut lru: Lru<String, usize> = Lru::new(3);
        for (i, k) in ["a", "b", "c"].iter().enumerate() {
            lru.insert(k.to_string(), i);
        }
        // Reading "a" makes "b" the oldest.
        assert_eq!(lru.get("a"), Some(&0));
        lru.insert("d".into(), 3);
        assert_eq!(lru.len(), 3);
        assert_eq!(lru.get("b"), None);
        assert_eq!(lru.get("c"), Some(&2));
        // Oldest now "a" (then "d", "c"); rewriting "a" refreshes it instead of growing.
        lru.insert("a".into(), 10);
        assert_eq!(lru.len(), 3);
        lru.insert("e".into(), 4);
        assert_eq!(lru.get("d"), None);
        assert_eq!(lru.get("a"), Some(&10));
        for i in 0..1000 {
            lru.insert(format!("k{i}"), i);
            assert!(lru.len() <= 3);
        }
        assert_eq!(lru.slots.len(), 3);
        let held: Vec<bool> = ["k997", "k998", "k999", "a"]
            .iter()
            .map(|k| lru.get(*k).is_some())
            .collect();
        assert_eq!(held, [true, true, true, false]);
    }

    #[test]
    fn capacity_zero_holds_nothing_and_one_holds_the_last() {
        let mut none: Lru<&str, u8> = Lru::new(0);
        none.insert("a", 1);
        assert_eq!(none.len(), 0);
        assert_eq!(none.get("a"), None);
        let mut one: Lru<&str, u8> = Lru::new(1);
        one.insert("a", 1);
        one.insert("b", 2);
        assert_eq!(one.get("a"), None);
        assert_eq!(one.get("b"), Some(&2));
        assert_eq!(one.len(), 1);
    }
}

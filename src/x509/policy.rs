//! The valid_policy_tree of RFC 5280 §6.1.2 (a), processed as §6.1.3 (d)–(e), §6.1.4 (a)–(b)
//! and §6.1.5 (g) describe. Nodes live in one vector per depth with parent indices; the number
//! of nodes is capped, so a hostile chain cannot make the tree grow without bound.

use std::collections::BTreeSet;

use der::asn1::ObjectIdentifier;

use super::ValidationError;
use super::cert::oid::ANY_POLICY;

/// Most nodes at one depth. Real PKIs have a handful; the cap stops the exponential growth that
/// crafted mapping chains can cause.
pub const MAX_NODES_PER_DEPTH: usize = 512;

#[derive(Clone, Debug)]
struct Node {
    valid_policy: ObjectIdentifier,
    expected: BTreeSet<ObjectIdentifier>,
    parent: usize,
    alive: bool,
}

/// A valid_policy_tree. "NULL" in the RFC is `Option::None` around it.
#[derive(Clone, Debug)]
pub struct PolicyTree {
    levels: Vec<Vec<Node>>,
}

impl Default for PolicyTree {
    /// The initial tree: one anyPolicy node of depth 0 (§6.1.2 (a)).
    fn default() -> Self {
        let root = Node { valid_policy: ANY_POLICY, expected: BTreeSet::from([ANY_POLICY]), parent: 0, alive: true };
        Self { levels: vec![vec![root]] }
    }
}

impl PolicyTree {
    fn depth(&self) -> usize {
        self.levels.len() - 1
    }

    fn level(&self, depth: usize) -> &[Node] {
        self.levels.get(depth).map(Vec::as_slice).unwrap_or_default()
    }

    fn push(&mut self, depth: usize, node: Node) -> Result<(), ValidationError> {
        let level = self.levels.get_mut(depth).ok_or(ValidationError::BudgetExceeded)?;
        if level.len() >= MAX_NODES_PER_DEPTH {
            return Err(ValidationError::BudgetExceeded);
        }
        level.push(node);
        Ok(())
    }

    fn has_child(&self, depth: usize, parent: usize, policy: &ObjectIdentifier) -> bool {
        self.level(depth).iter().any(|n| n.alive && n.parent == parent && n.valid_policy == *policy)
    }

    /// §6.1.3 (d) for certificate `i` (whose depth is `i`), with its policy OIDs. `any_allowed`
    /// is "inhibit_anyPolicy > 0, or i < n and the certificate is self-issued".
    /// Returns `false` when the tree became NULL.
    ///
    /// # Errors
    /// [`ValidationError::BudgetExceeded`] when the tree grows past its cap.
    pub fn process_certificate(&mut self, policies: &[ObjectIdentifier], any_allowed: bool) -> Result<bool, ValidationError> {
        let parent_depth = self.depth();
        let depth = parent_depth + 1;
        self.levels.push(Vec::new());
        // (d)(1)
        for policy in policies.iter().filter(|p| **p != ANY_POLICY) {
            let matching: Vec<usize> =
                self.level(parent_depth).iter().enumerate().filter(|(_, n)| n.alive && n.expected.contains(policy)).map(|(i, _)| i).collect();
            let parents = if matching.is_empty() {
                self.level(parent_depth).iter().position(|n| n.alive && n.valid_policy == ANY_POLICY).into_iter().collect()
            } else {
                matching
            };
            for parent in parents {
                self.push(depth, Node { valid_policy: *policy, expected: BTreeSet::from([*policy]), parent, alive: true })?;
            }
        }
        // (d)(2)
        if any_allowed && policies.contains(&ANY_POLICY) {
            let parents: Vec<(usize, Vec<ObjectIdentifier>)> =
                self.level(parent_depth).iter().enumerate().filter(|(_, n)| n.alive).map(|(i, n)| (i, n.expected.iter().copied().collect())).collect();
            for (parent, expected) in parents {
                for value in expected {
                    if !self.has_child(depth, parent, &value) {
                        self.push(depth, Node { valid_policy: value, expected: BTreeSet::from([value]), parent, alive: true })?;
                    }
                }
            }
        }
        // (d)(3)
        Ok(self.prune())
    }

    /// §6.1.4 (b): applies the policy mappings of certificate `i` (grouped by issuer domain
    /// policy) to the nodes of depth `i`. Returns `false` when the tree became NULL.
    ///
    /// # Errors
    /// [`ValidationError::BudgetExceeded`] when the tree grows past its cap.
    pub fn apply_mappings(&mut self, mappings: &[(ObjectIdentifier, ObjectIdentifier)], mapping_allowed: bool) -> Result<bool, ValidationError> {
        let depth = self.depth();
        let issuer_policies: BTreeSet<ObjectIdentifier> = mappings.iter().map(|(issuer, _)| *issuer).collect();
        for id_p in issuer_policies {
            let subject_policies: BTreeSet<ObjectIdentifier> = mappings.iter().filter(|(i, _)| *i == id_p).map(|(_, s)| *s).collect();
            if mapping_allowed {
                let mut found = false;
                if let Some(level) = self.levels.get_mut(depth) {
                    for node in level.iter_mut().filter(|n| n.alive && n.valid_policy == id_p) {
                        node.expected = subject_policies.clone();
                        found = true;
                    }
                }
                if !found {
                    let any_parent = self.level(depth).iter().find(|n| n.alive && n.valid_policy == ANY_POLICY).map(|n| n.parent);
                    if let Some(parent) = any_parent {
                        self.push(depth, Node { valid_policy: id_p, expected: subject_policies, parent, alive: true })?;
                    }
                }
            } else if let Some(level) = self.levels.get_mut(depth) {
                for node in level.iter_mut().filter(|n| n.valid_policy == id_p) {
                    node.alive = false;
                }
            }
        }
        Ok(self.prune())
    }

    /// Removes nodes above the deepest level that have no living child, repeatedly; returns
    /// whether the root still lives.
    fn prune(&mut self) -> bool {
        for depth in (0..self.depth()).rev() {
            let living_parents: BTreeSet<usize> = self.level(depth + 1).iter().filter(|n| n.alive).map(|n| n.parent).collect();
            if let Some(level) = self.levels.get_mut(depth) {
                for (i, node) in level.iter_mut().enumerate() {
                    if !living_parents.contains(&i) {
                        node.alive = false;
                    }
                }
            }
        }
        self.level(0).first().is_some_and(|root| root.alive)
    }

    /// Kills every node whose parent is dead.
    fn propagate_deaths(&mut self) {
        for depth in 1..=self.depth() {
            let dead_parents: BTreeSet<usize> = self.level(depth - 1).iter().enumerate().filter(|(_, n)| !n.alive).map(|(i, _)| i).collect();
            if let Some(level) = self.levels.get_mut(depth) {
                for node in level.iter_mut().filter(|n| dead_parents.contains(&n.parent)) {
                    node.alive = false;
                }
            }
        }
    }

    /// §6.1.5 (g): intersects the tree with the user-initial-policy-set (`None`: any-policy)
    /// and returns the user-constrained policy set — the valid policies of the leaf level — or
    /// `None` when the intersection is NULL.
    ///
    /// # Errors
    /// [`ValidationError::BudgetExceeded`] when the tree grows past its cap.
    pub fn intersect(mut self, initial: Option<&BTreeSet<ObjectIdentifier>>) -> Result<Option<BTreeSet<ObjectIdentifier>>, ValidationError> {
        let n = self.depth();
        if let Some(initial) = initial {
            // (iii)(1)-(2): nodes whose parent is anyPolicy, outside the initial set, go.
            let mut in_node_set: BTreeSet<ObjectIdentifier> = BTreeSet::new();
            for depth in 1..=n {
                let parent_is_any: Vec<bool> = self.level(depth - 1).iter().map(|p| p.valid_policy == ANY_POLICY).collect();
                if let Some(level) = self.levels.get_mut(depth) {
                    for node in level.iter_mut().filter(|n| n.alive && parent_is_any.get(n.parent).copied().unwrap_or(false)) {
                        if node.valid_policy != ANY_POLICY && !initial.contains(&node.valid_policy) {
                            node.alive = false;
                        } else {
                            in_node_set.insert(node.valid_policy);
                        }
                    }
                }
                self.propagate_deaths();
            }
            // (iii)(3): replace a leaf anyPolicy by the initial policies not yet present.
            let any_leaf = self.level(n).iter().position(|node| node.alive && node.valid_policy == ANY_POLICY);
            if let Some(index) = any_leaf {
                let parent = self.level(n).get(index).map(|node| node.parent).unwrap_or_default();
                for policy in initial.iter().filter(|p| !in_node_set.contains(*p)) {
                    self.push(n, Node { valid_policy: *policy, expected: BTreeSet::from([*policy]), parent, alive: true })?;
                }
                if let Some(node) = self.levels.get_mut(n).and_then(|l| l.get_mut(index)) {
                    node.alive = false;
                }
            }
            // (iii)(4)
            if !self.prune() {
                return Ok(None);
            }
        }
        // Each surviving leaf is reported by the policy it descends from in the user's domain:
        // its highest ancestor below an anyPolicy node (through mappings, that is the policy the
        // relying party asked for, not the subject domain's name for it).
        let mut set = BTreeSet::new();
        for leaf in self.level(n).iter().filter(|node| node.alive) {
            let (mut node, mut depth) = (leaf, n);
            while depth > 1 {
                let Some(parent) = self.level(depth - 1).get(node.parent) else { break };
                if parent.valid_policy == ANY_POLICY {
                    break;
                }
                node = parent;
                depth -= 1;
            }
            set.insert(node.valid_policy);
        }
        Ok(if set.is_empty() { None } else { Some(set) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P1: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.1");
    const P2: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.2");

    #[test]
    fn same_policy_chain() {
        let mut tree = PolicyTree::default();
        assert!(tree.process_certificate(&[P1], true).unwrap());
        assert!(tree.process_certificate(&[P1, P2], true).unwrap());
        assert_eq!(tree.clone().intersect(None).unwrap(), Some(BTreeSet::from([P1])));
        assert_eq!(tree.clone().intersect(Some(&BTreeSet::from([P2]))).unwrap(), None);
        assert_eq!(tree.intersect(Some(&BTreeSet::from([P1]))).unwrap(), Some(BTreeSet::from([P1])));
    }

    #[test]
    fn any_policy_expands_to_the_initial_set() {
        let mut tree = PolicyTree::default();
        assert!(tree.process_certificate(&[ANY_POLICY], true).unwrap());
        assert!(tree.process_certificate(&[ANY_POLICY], true).unwrap());
        assert_eq!(tree.clone().intersect(None).unwrap(), Some(BTreeSet::from([ANY_POLICY])));
        assert_eq!(tree.intersect(Some(&BTreeSet::from([P1]))).unwrap(), Some(BTreeSet::from([P1])));
    }

    #[test]
    fn disjoint_policies_empty_the_tree() {
        let mut tree = PolicyTree::default();
        assert!(tree.process_certificate(&[P1], true).unwrap());
        assert!(!tree.process_certificate(&[P2], true).unwrap());
    }

    #[test]
    fn mapping() {
        let mut tree = PolicyTree::default();
        assert!(tree.process_certificate(&[P1], true).unwrap());
        assert!(tree.apply_mappings(&[(P1, P2)], true).unwrap());
        assert!(tree.process_certificate(&[P2], true).unwrap());
        assert_eq!(tree.intersect(Some(&BTreeSet::from([P1]))).unwrap(), Some(BTreeSet::from([P1])));
        let mut tree = PolicyTree::default();
        assert!(tree.process_certificate(&[P1], true).unwrap());
        assert!(!tree.apply_mappings(&[(P1, P2)], false).unwrap());
    }
}

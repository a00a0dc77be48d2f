//! Compiled scripts by (script id, version). A version's source never
//! changes once saved, so an entry never goes stale; the bound is only there
//! so that many tenants' scripts cannot grow the process without limit.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

use uuid::Uuid;

use crate::error::ScriptError;
use crate::sandbox::CompiledScript;

struct Entry {
    script: CompiledScript,
    last_used: u64,
}

struct Inner<K> {
    entries: HashMap<(K, i32), Entry>,
    clock: u64,
}

/// A bounded cache of compiled scripts, least recently used out first.
/// Key it by the script's id (unique across tenants), never by its name.
pub struct AstCache<K = Uuid> {
    capacity: usize,
    inner: Mutex<Inner<K>>,
}

impl<K: Eq + Hash + Clone> AstCache<K> {
    /// A cache holding at most `capacity` scripts (at least one).
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), inner: Mutex::new(Inner { entries: HashMap::new(), clock: 0 }) }
    }

    pub fn get(&self, id: &K, version: i32) -> Option<CompiledScript> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(&(id.clone(), version))?;
        entry.last_used = now;
        Some(entry.script.clone())
    }

    pub fn insert(&self, id: K, version: i32, script: CompiledScript) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.clock += 1;
        let now = inner.clock;
        let key = (id, version);
        if !inner.entries.contains_key(&key) && inner.entries.len() >= self.capacity {
            // A linear scan, only on inserting into a full cache: compiling
            // the script that caused it costs far more.
            let oldest = inner.entries.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                inner.entries.remove(&oldest);
            }
        }
        inner.entries.insert(key, Entry { script, last_used: now });
    }

    /// The cached script, or `compile()`'s result, cached when it compiled.
    /// Compiling happens outside the lock; two callers racing on the same
    /// version both compile and the second insert wins, which is harmless.
    pub fn get_or_compile(
        &self,
        id: &K,
        version: i32,
        compile: impl FnOnce() -> Result<CompiledScript, ScriptError>,
    ) -> Result<CompiledScript, ScriptError> {
        if let Some(script) = self.get(id, version) {
            return Ok(script);
        }
        let script = compile()?;
        self.insert(id.clone(), version, script.clone());
        Ok(script)
    }

    /// Forgets every version of one script (e.g. when it is deleted).
    pub fn remove_script(&self, id: &K) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.entries.retain(|(k, _), _| k != id);
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Sandbox, ScriptKind};

    #[test]
    fn bounded_and_least_recently_used_goes_first() {
        let sandbox = Sandbox::default();
        let script = sandbox.compile(ScriptKind::Pricing, "fn price(ctx) { 1 }").unwrap();
        let cache: AstCache<String> = AstCache::new(2);
        cache.insert("a".into(), 1, script.clone());
        cache.insert("b".into(), 1, script.clone());
        assert!(cache.get(&"a".into(), 1).is_some()); // a is now the more recent
        cache.insert("c".into(), 1, script.clone());
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&"b".into(), 1).is_none());
        assert!(cache.get(&"a".into(), 1).is_some());
        assert!(cache.get(&"a".into(), 2).is_none(), "versions are separate entries");
    }

    #[test]
    fn get_or_compile_compiles_once_and_does_not_cache_errors() {
        let sandbox = Sandbox::default();
        let cache: AstCache = AstCache::new(8);
        let id = Uuid::nil();
        let mut compiles = 0;
        for _ in 0..3 {
            cache
                .get_or_compile(&id, 1, || {
                    compiles += 1;
                    sandbox.compile(ScriptKind::Pricing, "fn price(ctx) { 1 }")
                })
                .unwrap();
        }
        assert_eq!(compiles, 1);
        assert!(cache.get_or_compile(&id, 2, || sandbox.compile(ScriptKind::Pricing, "fn nope(ctx) { 1 }")).is_err());
        assert_eq!(cache.len(), 1);
        cache.remove_script(&id);
        assert!(cache.is_empty());
    }
}

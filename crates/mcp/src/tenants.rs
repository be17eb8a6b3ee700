//! The tenants a gateway serves, by name. Shared by every request and changed while serving:
//! tenants made in the operator portal are added (and replaced when edited) at runtime.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::tenant_runtime::TenantRuntime;

#[derive(Default)]
pub struct Tenants {
    // Reads vastly outnumber writes (one per portal save); a read lock is held only for a lookup.
    by_name: RwLock<HashMap<String, Arc<TenantRuntime>>>,
}

impl Tenants {
    pub fn new() -> Tenants {
        Tenants::default()
    }

    /// A registry holding `runtimes`, each under its settings' name.
    pub fn of(runtimes: impl IntoIterator<Item = Arc<TenantRuntime>>) -> Tenants {
        let tenants = Tenants::new();
        for runtime in runtimes {
            tenants.insert(runtime);
        }
        tenants
    }

    pub fn get(&self, name: &str) -> Option<Arc<TenantRuntime>> {
        self.read().get(name).cloned()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.read().contains_key(name)
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Every tenant's name, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.read().keys().cloned().collect();
        names.sort();
        names
    }

    /// Every tenant, sorted by name.
    pub fn all(&self) -> Vec<Arc<TenantRuntime>> {
        let mut all: Vec<_> = self.read().values().cloned().collect();
        all.sort_by(|a, b| a.settings.name.cmp(&b.settings.name));
        all
    }

    /// Adds `runtime`, replacing a tenant of the same name. Calls already running keep the
    /// runtime they started with.
    pub fn insert(&self, runtime: Arc<TenantRuntime>) {
        let name = runtime.settings.name.clone();
        self.write().insert(name, runtime);
    }

    pub fn remove(&self, name: &str) -> Option<Arc<TenantRuntime>> {
        self.write().remove(name)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<TenantRuntime>>> {
        // A panic while holding the lock cannot leave the map half-changed (one insert or
        // remove), so a poisoned lock is still safe to use.
        self.by_name.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<TenantRuntime>>> {
        self.by_name.write().unwrap_or_else(|e| e.into_inner())
    }
}

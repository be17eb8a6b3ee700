//! The SQLite store's files — the database and its `-wal` and `-shm` companions — are readable by
//! the gateway's own user only: they hold sealed tokens, key hashes and the audit log.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use gw_oauth::ScopeSet;
use gw_store::{NewKey, Store};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

async fn write_something(store: &Store) {
    store
        .create_key(NewKey {
            tenant: "t1".to_owned(),
            name: "k".to_owned(),
            scopes: ScopeSet::parse_list("openid").unwrap(),
            expires_at: None,
            connection_id: None,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn store_files_are_created_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("gateway.db");
    let store = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    write_something(&store).await;
    let files: Vec<_> = ["gateway.db", "gateway.db-wal", "gateway.db-shm"]
        .iter()
        .map(|name| dir.path().join(name))
        .filter(|path| path.exists())
        .collect();
    assert!(files.len() == 3, "WAL mode leaves three files: {files:?}");
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[tokio::test]
async fn a_store_file_readable_by_others_is_made_owner_only_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("gateway.db");
    // As an older version left it: an empty SQLite database, 0644.
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    write_something(&store).await;
    assert_eq!(mode(&db), 0o600);
}

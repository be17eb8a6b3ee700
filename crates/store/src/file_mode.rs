//! The SQLite store holds sealed tokens, key hashes and the audit log: nobody but the gateway's
//! own user should read it. SQLite creates a new database as 0644 (less the umask) and gives its
//! `-wal` and `-shm` files the database file's mode, so creating the database file ourselves as
//! 0600 before SQLite opens it covers all three. A store left readable by an older version is
//! tightened at open, with a warning, rather than refused: refusing would stop a running gateway
//! over a mode it can fix itself.

use std::io;
use std::path::{Path, PathBuf};

/// The file a `sqlite:` URL names, or `None` for an in-memory database.
pub(super) fn sqlite_file(url_rest: &str) -> Option<PathBuf> {
    let path = url_rest.strip_prefix("//").unwrap_or(url_rest);
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" || url_rest.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Creates the database file owner-only when it is missing, and takes group and other access
/// away from it and its `-wal`/`-shm` files when they have it.
#[cfg(unix)]
pub(super) fn restrict(database: &Path) -> io::Result<()> {
    use std::fs::{OpenOptions, Permissions};
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

    if !database.exists() {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(database)?;
    }
    for path in [
        database.to_path_buf(),
        with_suffix(database, "-wal"),
        with_suffix(database, "-shm"),
    ] {
        let Ok(metadata) = std::fs::metadata(&path) else {
            continue;
        };
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                mode = format!("{mode:o}"),
                "the store file was readable by other users; making it owner-only (0600)"
            );
            std::fs::set_permissions(&path, Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub(super) fn restrict(_database: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;
    use std::path::PathBuf;

    #[test]
    fn the_file_of_each_sqlite_url_form() {
        for (url, file) in [
            ("//gateway.db", Some("gateway.db")),
            ("///var/lib/gw/gateway.db", Some("/var/lib/gw/gateway.db")),
            ("/tmp/x.db?mode=rwc", Some("/tmp/x.db")),
            (":memory:", None),
            ("//file.db?mode=memory&cache=shared", None),
        ] {
            assert_eq!(sqlite_file(url), file.map(PathBuf::from), "{url}");
        }
    }
}

//! PostgreSQL for the store tests: `GATEWAY_TEST_POSTGRES` names the server (`.ci/run` sets it
//! when one answers); each caller gets a schema of its own.

/// The server's URL, or `None` (and a line saying the PostgreSQL part is skipped).
pub(crate) fn server() -> Option<String> {
    match std::env::var("GATEWAY_TEST_POSTGRES") {
        Ok(base) if !base.is_empty() => Some(base),
        _ => {
            eprintln!(
                "PostgreSQL skipped: GATEWAY_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test)"
            );
            None
        }
    }
}

/// The server's URL, for tests that run only on PostgreSQL (marked
/// `#[cfg_attr(not(postgres_tests), ignore = "…")]`, so they are reported ignored without one).
pub(crate) fn required() -> String {
    std::env::var("GATEWAY_TEST_POSTGRES")
        .expect("this test needs GATEWAY_TEST_POSTGRES; without it the build marks it ignored")
}

/// A new, empty schema on `base`, and a URL whose connections use it.
pub(crate) async fn fresh_schema(base: &str) -> String {
    sqlx::any::install_default_drivers();
    let schema = format!(
        "t_{}",
        rand::distr::SampleString::sample_string(&rand::distr::Alphanumeric, &mut rand::rng(), 12)
            .to_lowercase()
    );
    let pool = sqlx::AnyPool::connect(base).await.unwrap_or_else(|e| {
        panic!("GATEWAY_TEST_POSTGRES is set but {base} cannot be reached: {e}")
    });
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-c%20search_path%3D{schema}")
}

//! Tests that need a PostgreSQL server are compiled as ignored, with the reason, when
//! `GATEWAY_TEST_POSTGRES` is not set, so a run without one says "ignored" instead of a silent
//! "ok" in 0.00 s.

fn main() {
    println!("cargo::rerun-if-env-changed=GATEWAY_TEST_POSTGRES");
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    if std::env::var("GATEWAY_TEST_POSTGRES").is_ok_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}

//! Latency summaries (exact percentiles from every sample) and medians across runs.

use serde::Serialize;

/// One measured run of the load generator.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RunStats {
    /// Requests sent (successes and failures).
    pub requests: u64,
    /// Responses that counted as a success.
    pub ok: u64,
    /// Everything else: transport errors, non-2xx statuses, JSON-RPC errors, `isError: true`.
    pub errors: u64,
    /// Wall time from the first request to the last answer, seconds.
    pub elapsed_s: f64,
    /// Successful requests per second over `elapsed_s`.
    pub throughput_rps: f64,
    /// Only in fixed-rate mode: the rate asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered_rps: Option<f64>,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    /// CPU time (user + system) each process spent per request during the run, microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_us_per_request: Option<CpuPerRequest>,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct CpuPerRequest {
    /// The load generator itself.
    pub bench: f64,
    /// The fake tenant.
    pub fake: f64,
    /// The gateway (absent for the direct target).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<f64>,
}

/// Exact percentile (nearest rank) of sorted samples, in microseconds.
pub(crate) fn percentile_us(sorted_ns: &[u64], q: f64) -> f64 {
    if sorted_ns.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted_ns.len() as f64).ceil() as usize).clamp(1, sorted_ns.len());
    sorted_ns[rank - 1] as f64 / 1_000.0
}

pub(crate) fn summarize(
    mut latencies_ns: Vec<u64>,
    requests: u64,
    ok: u64,
    elapsed_s: f64,
    offered_rps: Option<f64>,
) -> RunStats {
    latencies_ns.sort_unstable();
    let mean_us = if latencies_ns.is_empty() {
        f64::NAN
    } else {
        latencies_ns.iter().map(|&v| v as f64).sum::<f64>() / latencies_ns.len() as f64 / 1_000.0
    };
    RunStats {
        requests,
        ok,
        errors: requests - ok,
        elapsed_s,
        throughput_rps: ok as f64 / elapsed_s,
        offered_rps,
        mean_us,
        p50_us: percentile_us(&latencies_ns, 0.50),
        p90_us: percentile_us(&latencies_ns, 0.90),
        p99_us: percentile_us(&latencies_ns, 0.99),
        max_us: latencies_ns
            .last()
            .map_or(f64::NAN, |&v| v as f64 / 1_000.0),
        cpu_us_per_request: None,
    }
}

pub(crate) fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The median of each figure over several runs, with the runs themselves.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Medians {
    pub runs: usize,
    pub requests_per_run: u64,
    pub errors_total: u64,
    pub throughput_rps: f64,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_us_per_request: Option<CpuPerRequest>,
    pub each_run: Vec<RunStats>,
}

pub(crate) fn medians(runs: Vec<RunStats>) -> Medians {
    let pick = |f: fn(&RunStats) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    Medians {
        runs: runs.len(),
        requests_per_run: runs.first().map_or(0, |r| r.requests),
        errors_total: runs.iter().map(|r| r.errors).sum(),
        throughput_rps: pick(|r| r.throughput_rps),
        mean_us: pick(|r| r.mean_us),
        p50_us: pick(|r| r.p50_us),
        p90_us: pick(|r| r.p90_us),
        p99_us: pick(|r| r.p99_us),
        max_us: pick(|r| r.max_us),
        cpu_us_per_request: runs
            .iter()
            .all(|r| r.cpu_us_per_request.is_some())
            .then(|| {
                let cpu: Vec<CpuPerRequest> =
                    runs.iter().filter_map(|r| r.cpu_us_per_request).collect();
                CpuPerRequest {
                    bench: median(&cpu.iter().map(|c| c.bench).collect::<Vec<_>>()),
                    fake: median(&cpu.iter().map(|c| c.fake).collect::<Vec<_>>()),
                    gateway: cpu
                        .iter()
                        .all(|c| c.gateway.is_some())
                        .then(|| median(&cpu.iter().filter_map(|c| c.gateway).collect::<Vec<_>>())),
                }
            }),
        each_run: runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).map(|x| x * 1_000).collect();
        assert_eq!(percentile_us(&v, 0.5), 50.0);
        assert_eq!(percentile_us(&v, 0.99), 99.0);
        assert_eq!(percentile_us(&v, 1.0), 100.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}

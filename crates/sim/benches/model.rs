//! Simulated records per second of wall time on the standard scenario
//! (`producer_sim::bench`): kafka-4 defaults, one broker, 6 partitions, 100-byte values, no
//! compression, no trace. `plain` keeps every delivery report and log batch; `bounded` caps
//! the logs (retention.bytes 1 MiB) and keeps only the newest 10,000 reports.
//!
//! ```sh
//! cargo bench -p producer-sim --bench model
//! ```

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use producer_sim::bench::run_standard;

const RECORDS: u64 = 200_000;

fn standard_scenario(c: &mut Criterion) {
    let mut group = c.benchmark_group("standard");
    group.throughput(Throughput::Elements(RECORDS));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    for (name, bounded) in [("plain", false), ("bounded", true)] {
        group.bench_with_input(BenchmarkId::new(name, RECORDS), &bounded, |b, &bounded| {
            b.iter(|| {
                let delivered = run_standard(RECORDS, bounded);
                assert_eq!(delivered, RECORDS, "every record has its callback");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, standard_scenario);
criterion_main!(benches);

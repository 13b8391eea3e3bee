//! Times the app's sweep natively, to compare with the browser (`node e2e/perf.mjs` prints
//! the Chromium time): `cargo run --release --example sweep_native [records per point]
//! [--points 1024:0,2048:0] [--each]`. `--points` runs only those batch.size:linger.ms points
//! (for a profiler); `--each` prints every point's figures and wall time.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag_value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let records: u64 = match args.first().filter(|a| !a.starts_with("--")) {
        None => producer_lab::sweep::DEFAULT_RECORDS,
        Some(text) => producer_lab::sweep::parse_records(text).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        }),
    };
    let each = args.iter().any(|a| a == "--each");
    let base = producer_lab::form::FormState::default()
        .to_scenario()
        .expect("default form is valid");
    let grid: Vec<(u64, u64)> = match flag_value("--points") {
        None => producer_lab::sweep::grid(),
        Some(list) => list
            .split(',')
            .map(|p| {
                let (b, l) = p
                    .split_once(':')
                    .expect("--points takes batch.size:linger.ms,…");
                (
                    b.parse().expect("batch.size"),
                    l.parse().expect("linger.ms"),
                )
            })
            .collect(),
    };
    let sample = producer_lab::sweep::sample_records(base.workload.records_per_second, records);
    let start = std::time::Instant::now();
    let mut points = 0;
    for (b, l) in &grid {
        let t = std::time::Instant::now();
        let point = producer_lab::sweep::run_point(&base, *b, *l, records);
        if each {
            println!(
                "{b:>6} {l:>3}: {:.3} s {point:?}",
                t.elapsed().as_secs_f64()
            );
        }
        points += usize::from(point.is_some());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "sweep: {points} of {} points x ({records} records flat out + {sample} at {} records/s) in {secs:.3} s natively ({:.2} M model records/s)",
        grid.len(),
        base.workload.records_per_second,
        (grid.len() as u64 * (records + sample)) as f64 / secs / 1e6
    );
}

//! Times the app's sweep natively, to compare with the browser (`node e2e/perf.mjs` prints
//! the Chromium time): `cargo run --release --example sweep_native [records per point]`.
fn main() {
    let records: u64 = match std::env::args().nth(1) {
        None => producer_lab::sweep::DEFAULT_RECORDS,
        Some(text) => producer_lab::sweep::parse_records(&text).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        }),
    };
    let base = producer_lab::form::FormState::default()
        .to_scenario()
        .expect("default form is valid");
    let grid = producer_lab::sweep::grid();
    let start = std::time::Instant::now();
    let points = grid
        .iter()
        .filter_map(|(b, l)| producer_lab::sweep::run_point(&base, *b, *l, records))
        .count();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "sweep: {points} of {} points x {records} records (x2 runs) in {secs:.3} s natively ({:.2} M model records/s)",
        grid.len(),
        (grid.len() as u64 * 2 * records) as f64 / secs / 1e6
    );
}

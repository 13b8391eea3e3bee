//! Times the app's sweep natively, to compare with the browser (e2e/sweep.test.mjs prints
//! the Chromium time): `cargo run --release --example sweep_native`.
fn main() {
    let base = producer_lab::form::FormState::default()
        .to_scenario()
        .expect("default form is valid");
    let start = std::time::Instant::now();
    let points = producer_lab::sweep::grid()
        .into_iter()
        .filter_map(|(b, l)| producer_lab::sweep::run_point(&base, b, l, 5_000))
        .count();
    println!(
        "sweep: {points} points x 5000 records (x2 runs) in {:.3} s natively",
        start.elapsed().as_secs_f64()
    );
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(1_000_000, |s| s.parse().unwrap());
    let t = std::time::Instant::now();
    let d = producer_sim::bench::run_standard(n, false);
    let s = t.elapsed().as_secs_f64();
    println!("{d} records in {s:.3} s = {:.0} records/s", d as f64 / s);
}

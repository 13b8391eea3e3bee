//! Prints the last events of a scenario run, for debugging: `cargo run --example debug_trace -- FILE.json [steps]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sc: producer_sim::Scenario =
        serde_json::from_str(&std::fs::read_to_string(&args[1]).unwrap()).unwrap();
    let steps: usize = args.get(2).map_or(100_000, |s| s.parse().unwrap());
    let mut sim = producer_sim::Simulation::new(sc, true).unwrap();
    let mut n = 0;
    while n < steps && sim.step() {
        n += 1;
    }
    println!(
        "steps {n} finished {} now {} deliveries {}",
        sim.is_finished(),
        sim.now_us(),
        sim.deliveries.len()
    );
    let ev = sim.trace.events();
    for e in &ev[ev
        .len()
        .saturating_sub(std::env::var("LAST").map_or(40, |v| v.parse().unwrap()))..]
    {
        println!(
            "{:>12} {}",
            e.at_us,
            serde_json::to_string(&e.kind).unwrap()
        );
    }
}

//! A seeded random fault schedule, for property tests and "surprise me" runs. Every crashed
//! broker is restarted before the window ends, so a run can always finish.

use crate::rng::{SimRng, Stream};
use crate::scenario::{ClusterSpec, Fault, FaultAt};

/// Up to `max_faults` faults in `[0, window_ms)` for `cluster`, drawn from `seed`'s fault stream.
pub fn random_faults(
    seed: u64,
    cluster: &ClusterSpec,
    window_ms: u64,
    max_faults: u32,
) -> Vec<FaultAt> {
    let mut rng = SimRng::new(seed, Stream::Faults);
    let brokers = cluster.brokers as u64;
    let count = rng.below(max_faults as u64 + 1);
    let mut out = Vec::new();
    for _ in 0..count {
        let at_ms = rng.below(window_ms.max(1));
        let broker = rng.below(brokers) as u32 + 1;
        let fault = match rng.below(6) {
            0 => {
                let back = at_ms + 1 + rng.below(window_ms.max(2) / 2);
                out.push(FaultAt {
                    at_ms: back.min(window_ms),
                    fault: Fault::RestartBroker { broker },
                });
                Fault::CrashBroker { broker }
            }
            1 => Fault::DropNextRequest { broker },
            2 => Fault::DropNextResponse { broker },
            3 => Fault::SlowFollower {
                broker,
                for_ms: 1 + rng.below(window_ms.max(1)),
            },
            4 => Fault::CutClient {
                broker,
                for_ms: 1 + rng.below(2_000),
            },
            _ => {
                let partition = rng.below(cluster.partitions as u64) as u32;
                // The leader at that moment is not known here: restart every broker afterwards.
                for b in 1..=cluster.brokers {
                    out.push(FaultAt {
                        at_ms: window_ms,
                        fault: Fault::RestartBroker { broker: b },
                    });
                }
                Fault::KillLeader { partition }
            }
        };
        out.push(FaultAt { at_ms, fault });
    }
    out.sort_by_key(|f| f.at_ms);
    out
}

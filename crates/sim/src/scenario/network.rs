//! Which latency, jitter and bandwidth a message sees, with per-broker links, and their checks.

use super::{NetworkSpec, ScenarioError};
use crate::producer::metadata::NodeId;

/// Latencies and jitter above an hour are refused (they also keep the arithmetic in range).
const MAX_DELAY_US: u64 = 3_600_000_000;

/// What one direction of a connection does to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkParams {
    pub one_way_latency_us: u64,
    pub jitter_us: u64,
    /// 0 = unlimited.
    pub bandwidth_bytes_per_second: u64,
}

impl NetworkSpec {
    fn default_params(&self) -> LinkParams {
        LinkParams {
            one_way_latency_us: self.one_way_latency_us,
            jitter_us: self.jitter_us,
            bandwidth_bytes_per_second: self.bandwidth_bytes_per_second,
        }
    }

    /// A node's own link: its override, else the network-wide values (node 0, the client,
    /// has no override).
    fn params_of(&self, node: NodeId) -> LinkParams {
        let d = self.default_params();
        match self.links.iter().find(|l| l.broker == node && node != 0) {
            None => d,
            Some(l) => LinkParams {
                one_way_latency_us: l.one_way_latency_us.unwrap_or(d.one_way_latency_us),
                jitter_us: l.jitter_us.unwrap_or(d.jitter_us),
                bandwidth_bytes_per_second: l
                    .bandwidth_bytes_per_second
                    .unwrap_or(d.bandwidth_bytes_per_second),
            },
        }
    }

    /// The link between two nodes (0 is the client): the broker's own link for client
    /// traffic; between two brokers, the slower of their links in each respect.
    pub fn params_between(&self, a: NodeId, b: NodeId) -> LinkParams {
        if self.links.is_empty() {
            return self.default_params();
        }
        let (pa, pb) = (self.params_of(a), self.params_of(b));
        match (a, b) {
            (0, _) => pb,
            (_, 0) => pa,
            _ => LinkParams {
                one_way_latency_us: pa.one_way_latency_us.max(pb.one_way_latency_us),
                jitter_us: pa.jitter_us.max(pb.jitter_us),
                bandwidth_bytes_per_second: match (
                    pa.bandwidth_bytes_per_second,
                    pb.bandwidth_bytes_per_second,
                ) {
                    (0, x) | (x, 0) => x,
                    (x, y) => x.min(y),
                },
            },
        }
    }

    /// Links name existing brokers, once each; delays stay within an hour.
    pub fn validate(&self, brokers: u32) -> Result<(), ScenarioError> {
        let err = |m: String| Err(ScenarioError(m));
        let delays = |name: &str, latency: Option<u64>, jitter: Option<u64>| {
            for (field, v) in [("one_way_latency_us", latency), ("jitter_us", jitter)] {
                if v.is_some_and(|v| v > MAX_DELAY_US) {
                    return Err(ScenarioError(format!(
                        "{name}.{field} must be at most {MAX_DELAY_US} (one hour)"
                    )));
                }
            }
            Ok(())
        };
        delays(
            "network",
            Some(self.one_way_latency_us),
            Some(self.jitter_us),
        )?;
        for (i, l) in self.links.iter().enumerate() {
            if !(1..=brokers).contains(&l.broker) {
                return err(format!(
                    "network.links: broker {} does not exist (brokers are 1..={brokers})",
                    l.broker
                ));
            }
            if self.links[..i].iter().any(|o| o.broker == l.broker) {
                return err(format!(
                    "network.links: broker {} is listed twice",
                    l.broker
                ));
            }
            delays("network.links", l.one_way_latency_us, l.jitter_us)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::LinkSpec;
    use super::*;

    fn net(links: Vec<LinkSpec>) -> NetworkSpec {
        NetworkSpec {
            one_way_latency_us: 1000,
            jitter_us: 10,
            bandwidth_bytes_per_second: 0,
            links,
        }
    }

    fn link(broker: NodeId) -> LinkSpec {
        LinkSpec {
            broker,
            one_way_latency_us: None,
            jitter_us: None,
            bandwidth_bytes_per_second: None,
        }
    }

    #[test]
    fn a_broker_link_overrides_only_what_it_sets() {
        let n = net(vec![
            LinkSpec {
                one_way_latency_us: Some(5000),
                bandwidth_bytes_per_second: Some(1_000_000),
                ..link(2)
            },
            LinkSpec {
                jitter_us: Some(300),
                bandwidth_bytes_per_second: Some(2_000_000),
                ..link(3)
            },
        ]);
        let p = |latency, jitter, bw| LinkParams {
            one_way_latency_us: latency,
            jitter_us: jitter,
            bandwidth_bytes_per_second: bw,
        };
        assert_eq!(n.params_between(0, 1), p(1000, 10, 0));
        assert_eq!(n.params_between(0, 2), p(5000, 10, 1_000_000));
        assert_eq!(n.params_between(2, 0), p(5000, 10, 1_000_000));
        // Between brokers: the slower of the two links in each respect.
        assert_eq!(n.params_between(2, 3), p(5000, 300, 1_000_000));
        assert_eq!(n.params_between(1, 3), p(1000, 300, 2_000_000));
    }

    #[test]
    fn links_must_name_existing_brokers_once() {
        let e = |links| net(links).validate(3).unwrap_err().0;
        assert_eq!(
            e(vec![link(4)]),
            "network.links: broker 4 does not exist (brokers are 1..=3)"
        );
        assert_eq!(
            e(vec![link(0)]),
            "network.links: broker 0 does not exist (brokers are 1..=3)"
        );
        assert_eq!(
            e(vec![link(2), link(2)]),
            "network.links: broker 2 is listed twice"
        );
        let slow = LinkSpec {
            jitter_us: Some(MAX_DELAY_US + 1),
            ..link(1)
        };
        assert!(e(vec![slow]).starts_with("network.links.jitter_us must be at most"));
        assert!(net(vec![link(1), link(3)]).validate(3).is_ok());
    }
}

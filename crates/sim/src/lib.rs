//! placeholder
pub mod producer {
    pub mod built_in_partitioner;
}
pub use producer::built_in_partitioner::partition_for_key;

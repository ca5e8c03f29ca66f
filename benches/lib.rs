//! om's benchmarks: `compare` (criterion), `ops` (the callgrind workloads) and
//! `routing` (read replicas), in `benches/*.rs`; see BENCHMARKS.md. The library itself
//! is empty.

//! IPVS desired state and diff (being written).

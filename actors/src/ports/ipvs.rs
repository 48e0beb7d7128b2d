//! The IPVS port (being written).

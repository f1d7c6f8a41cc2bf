"""Actor networks: edges from shared identifiers and flows, rings, propagated risk."""

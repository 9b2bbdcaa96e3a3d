"""Live calls: who is on shift to take one, and the callers waiting for a person."""

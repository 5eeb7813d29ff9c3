"""A simulated Unity Editor for tests, benchmarks and the demo (no Unity needed)."""

from .peer import HandshakeRejected, NoAnswer, ReloadThenAnswer, SimulatedUnity, envelope

__all__ = ["HandshakeRejected", "NoAnswer", "ReloadThenAnswer", "SimulatedUnity", "envelope"]

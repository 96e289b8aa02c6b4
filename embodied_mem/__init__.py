"""embodied_mem: a memory stack for embodied agents in simulators."""

__version__ = "0.1.0"

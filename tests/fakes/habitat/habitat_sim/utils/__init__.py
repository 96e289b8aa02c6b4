"""habitat_sim.utils (fake): only ``common``."""

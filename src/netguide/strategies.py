"""Hypothesis strategies for patient facts, kept at this path for callers (they live in netguide.proving.strategies)."""
from netguide.proving.strategies import (  # noqa: F401
                                         contradictory_patients,
                                         fact_values,
                                         hostile_inputs,
                                         invalid_patients,
                                         patients,
)

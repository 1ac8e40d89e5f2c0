"""The dask worker plugin of `netguide cohort --backend dask`, in its own module so that importing the cohort (and
so every CLI command) never imports dask; a worker imports it by name, as it imports netguide itself."""
from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from netguide.cohort.worker import warm


class WarmEngine(WorkerPlugin):
    """Each worker process builds its engine for the rulebook once, when it joins the cluster (a worker that joins
    later gets the plugin too); evaluate_chunk warms on first use as well, so a worker without it is still right."""

    name = "netguide-warm-engine"

    def __init__(self, rules: str | None):
        self.rules = rules

    def setup(self, worker: Any) -> None:
        warm(self.rules)

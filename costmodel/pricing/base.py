"""What every pricing scheme shares: the deployment context and the ``Scheme`` base class."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict


# ----------------------------------------------------------------------------- context
@dataclass(frozen=True)
class CostContext:
    """What some schemes need to know about the deployment (filled from the cost engine)."""

    model: str = ""
    gpu: str = ""
    gpus: int = 1
    gpu_hourly_usd: float = 0.0
    active_params: float = 0.0  # parameters, not billions
    total_params: float = 0.0
    concurrency: int | None = None
    max_context_tokens: int | None = None


# ----------------------------------------------------------------------------- schemes
class Scheme(BaseModel):
    """Base of all schemes: ``revenue`` returns per-request revenue and which requests are served."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    stateful: ClassVar[bool] = False  # consumes an allowance in time order per user

    def revenue(
        self, c: Mapping[str, np.ndarray], ctx: CostContext, state: dict
    ) -> tuple[np.ndarray, np.ndarray | None]:
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        """Every parameter the scheme uses (echoed in reports)."""
        return self.model_dump(mode="json")

    @property
    def label(self) -> str:
        """Name in reports (the scheme id; provider prices add the provider/model)."""
        return self.id


def per_token(usd_per_m: float) -> float:
    """A price in USD per million tokens as USD per token."""
    return usd_per_m / 1e6

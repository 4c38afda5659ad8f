"""Result types under the import path coodie 1.9 code uses: `from coodie.results import LWTResult`."""

from __future__ import annotations

from coodie.document import LWTResult
from coodie.requests import PagedResult

__all__ = ["LWTResult", "PagedResult"]

"""`init_coodie()` for the blocking API: the core's, which connects on first use."""

from __future__ import annotations

from coodie.connection import init_coodie

__all__ = ["init_coodie"]

"""(being built) routes of the act issue."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

router = APIRouter()
api_router = APIRouter()


def install(app: FastAPI) -> None:
    """Set up what the routes need on ``app.state``."""

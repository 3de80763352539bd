"""The analysts' web view and read-only HTTP API (`timeline serve`)."""

from timeline.web.app import create_app

__all__ = ["create_app"]

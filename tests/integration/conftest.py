"""Fixtures shared by the handler-level tests."""

from __future__ import annotations

import pytest
from wallets import events

from local.background import RecordingBus


@pytest.fixture
def bus(table: str, monkeypatch: pytest.MonkeyPatch) -> RecordingBus:
    """The publisher's EventBridge client, recording what it is given (`table` is the engine's)."""
    recording = RecordingBus(echo=False)
    monkeypatch.setattr(events, "_client", recording)
    return recording

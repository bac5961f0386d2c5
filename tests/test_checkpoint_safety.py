"""``kibitz-train pretrain --resume`` reads its checkpoint without running code (issue 18)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from kibitz.training.model import Adapter, AdapterConfig  # noqa: E402
from kibitz.training.train import TrainSettings, load_checkpoint, train_adapter  # noqa: E402


class RunsCode:
    """Unpickled, it would make a folder: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return os.mkdir, (str(self.marker),)


def test_a_crafted_checkpoint_cannot_run_code_on_resume(tmp_path: Path) -> None:
    marker = tmp_path / "code-ran"
    checkpoint = tmp_path / "checkpoint.pt"
    torch.save({"model": RunsCode(marker), "step": 0}, checkpoint)
    with pytest.raises(ValueError, match="not a checkpoint kibitz can resume"):
        # Resuming reads the checkpoint before it touches the cache.
        train_adapter(Adapter(AdapterConfig(hidden=16)), None, np.arange(10), np.arange(2),  # type: ignore[arg-type]
                      TrainSettings(), checkpoint=checkpoint, resume=True)
    assert not marker.exists()


@pytest.mark.parametrize("content", [b"", b"not a checkpoint at all", b"PK\x03\x04 truncated zip"])
def test_a_damaged_checkpoint_is_a_sentence(tmp_path: Path, content: bytes) -> None:
    checkpoint = tmp_path / "checkpoint.pt"
    checkpoint.write_bytes(content)
    with pytest.raises(ValueError, match="delete it, or train without --resume"):
        load_checkpoint(checkpoint, Adapter(AdapterConfig(hidden=16)))


def test_a_checkpoint_of_another_network_is_refused(tmp_path: Path) -> None:
    from kibitz.engine.models import expected_versions

    checkpoint = tmp_path / "checkpoint.pt"
    torch.save({"config": AdapterConfig(hidden=32).to_dict(), "versions": expected_versions()}, checkpoint)
    with pytest.raises(ValueError, match="another network"):
        load_checkpoint(checkpoint, Adapter(AdapterConfig(hidden=16)))

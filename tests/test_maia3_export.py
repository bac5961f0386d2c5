"""The Maia-3 converter: the batched graph it writes runs any batch with onnxruntime's
optimisations on, agrees with the published batch-1 graph, and is the graph kibitz ships."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")

import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402

from kibitz.engine.priors import prior_path as maia3_path  # noqa: E402
from kibitz.training import maia3_export  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
SRC = SHARED / "maia3"


@pytest.fixture(scope="module")
def source() -> Path:
    if not (SRC / "maia3-5m.onnx.data").exists():
        pytest.skip(f"{SRC} not available")
    return SRC


def test_the_batched_graph_runs_odd_batches_with_optimisations_on(source, tmp_path):
    path = tmp_path / "b.onnx"
    path.write_bytes(maia3_export.batched_model(source / "maia3-5m.onnx", "fp32").SerializeToString())
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    for batch in (1, 5, 33):
        tokens = (rng.random((batch, 64, 96)) < 0.03).astype(np.float32)
        elo = rng.integers(600, 2600, batch).astype(np.int64)
        logits, pooled, squares = session.run(["logits_move", "pooled", "squares"],
                                              {"tokens": tokens, "self_elo": elo, "oppo_elo": elo[::-1].copy()})
        assert logits.shape == (batch, 4352) and pooled.shape == (batch, 256) and squares.shape == (batch, 64, 256)
        assert np.isfinite(logits).all() and np.isfinite(pooled).all()
        if batch > 1:  # each position its own representation, not the first one's broadcast
            assert not np.allclose(pooled[0], pooled[1]) and not np.allclose(logits[0], logits[1])


def test_the_converter_writes_the_shipped_graph_after_checking_it(source, tmp_path):
    record = maia3_export.convert(source, tmp_path, check_positions=24)
    assert record["parity"]["max_abs_difference"] <= maia3_export.PARITY_TOLERANCE
    assert record["against_fp32"]["positions"] == 24
    shipped = json.loads((maia3_path().parent / "provenance.json").read_text(encoding="utf-8"))
    assert record["output"]["sha256"] == shipped["output"]["sha256"] == maia3_export.sha256(maia3_path())
    assert record["source"] == shipped["source"]
    assert (tmp_path / "LICENSE").read_bytes() == (source / "LICENSE").read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no candidate left behind


def test_a_graph_that_is_not_batch_one_is_refused(source, tmp_path):
    model = onnx.load(str(source / "maia3-5m.onnx"), load_external_data=False)
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 2
    onnx.save(model, str(tmp_path / "maia3-5m.onnx"))
    shutil.copyfile(source / "maia3-5m.onnx.data", tmp_path / "maia3-5m.onnx.data")
    with pytest.raises(ValueError, match="does not start with batch 1"):
        maia3_export.batched_model(tmp_path / "maia3-5m.onnx")


def test_a_folder_without_the_weights_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not hold maia3-5m.onnx"):
        maia3_export.convert(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_command_says_what_is_missing_in_one_sentence(tmp_path, capsys):
    pytest.importorskip("torch")
    from kibitz.training.cli import main as train_main

    assert train_main(["convert-maia3", "--src", str(tmp_path), "--out", str(tmp_path / "out"),
                       "--progress", "json"]) == 2
    event = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert event["ok"] is False and "does not hold maia3-5m.onnx" in event["message"]

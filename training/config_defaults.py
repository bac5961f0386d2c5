"""The one place training's defaults live; the command line reads them from here."""

from __future__ import annotations

from kibitz.training.personal import FINETUNE_SETTINGS as FINETUNE
from kibitz.training.pretrain import PretrainPlan
from kibitz.training.train import TrainSettings

PLAN = PretrainPlan()
PRETRAIN = TrainSettings(lr=1e-3, games_per_batch=32, max_epochs=3.0, evals_per_epoch=4, patience=3)

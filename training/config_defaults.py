"""The one place training's settings live: the commands, the app's retraining and the benches read them here."""

from __future__ import annotations

from kibitz.training.pretrain import PretrainPlan
from kibitz.training.train import TrainSettings

PLAN = PretrainPlan()
PRETRAIN = TrainSettings(lr=1e-3, games_per_batch=32, max_epochs=3.0, evals_per_epoch=4, patience=3)
#: Fine-tuning starts from a trained adapter: a smaller step than pretraining, few epochs.
#: Personal adapters peaked after 1-2 epochs in every probe, then over-fitted; one thread (see
#: TrainSettings.threads) since the app, and its predictions, run beside the training process.
FINETUNE = TrainSettings(lr=3e-4, weight_decay=1e-2, games_per_batch=16, max_epochs=2.0,
                         evals_per_epoch=4, patience=2, time_budget_s=150.0, threads=1)

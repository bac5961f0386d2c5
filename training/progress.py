"""Progress for people (a tqdm bar on a terminal) or for the app (JSON lines on stdout).

The JSON-lines form is the contract the GUI's QProcess reads (docs/contracts.md).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tqdm import tqdm


class Reporter:
    def __init__(self, mode: str = "bar") -> None:
        self.mode = mode
        self._bar: tqdm | None = None
        self._stage = ""
        self._player: str | None = None
        self._done = 0
        self._total = 0
        self._printed: set[str] = set()  # lines a person has already read on the terminal

    def _emit(self, event: dict[str, Any]) -> None:
        print(json.dumps(event), flush=True)

    def stage(self, name: str, total: int, *, player: str | None = None, unit: str = "it") -> None:
        self.close()
        self._stage, self._player, self._done, self._total = name, player, 0, total
        if self.mode == "bar":
            label = f"{name} {player}" if player else name
            self._bar = tqdm(total=total, desc=label, unit=unit, dynamic_ncols=True, leave=True)
        elif self.mode == "json":
            self._emit_progress("")

    def advance(self, n: int = 1, message: str = "", **postfix: Any) -> None:
        self._done += n
        if self._bar is not None:
            self._bar.update(n)
            if postfix:
                self._bar.set_postfix(postfix, refresh=False)
        elif self.mode == "json":
            text = message or " ".join(f"{k} {v}" for k, v in postfix.items())
            self._emit_progress(text)

    def _emit_progress(self, message: str) -> None:
        self._emit(
            {
                "event": "progress",
                "stage": self._stage,
                "player": self._player,
                "done": self._done,
                "total": self._total,
                "message": message,
            }
        )

    def info(self, message: str) -> None:
        if self.mode == "json":
            self._emit({"event": "info", "message": message})
        else:
            (self._bar.write if self._bar is not None else print)(message)
            self._printed.add(message)

    def model(self, player: str, installed: bool, message: str) -> None:
        if self.mode == "json":
            self._emit({"event": "model", "player": player, "installed": installed, "message": message})
        else:
            self.info(message)

    def finished(self, ok: bool, message: str) -> None:
        self.close()
        if self.mode == "json":
            self._emit({"event": "finished", "ok": ok, "message": message})
        else:
            # The summary repeats each player's line, already printed as it came: print only what is new.
            lines = [line for line in message.splitlines() if line not in self._printed]
            if lines or not message:
                print("\n".join(lines), file=sys.stdout if ok else sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

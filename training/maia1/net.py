"""Maia-1 in torch: read lc0's ``.pb.gz`` network files and run them as a frozen ``nn.Module``.

Maia-1 (McIlroy-Young et al., KDD 2020) is nine lc0 networks, one per 100-point lichess rating band,
that predict the move a human of that band plays. kibitz uses one band as a frozen prior; its
adapter reads the residual tower's output. This module is the only place that knows lc0's file
format; everything it relies on is described in ``shared/maia/README.md``:

* a file is the gzip of one protobuf ``Net`` message. The wire format (varints, length-delimited
  fields) is read directly by ``_fields`` -- no protobuf dependency, no generated code;
* every ``Layer`` is LINEAR16: ``min + (max - min) * u / 65535`` for little-endian uint16 ``u``;
* a ``ConvBlock``'s ``bn_stddivs`` holds the *variance*; batch norm is folded into the convolution;
* tower: an input convolution, then residual blocks with squeeze-excitation;
* policy: two convolutions giving 80 planes of 8x8, flattened plane-major and gathered to lc0's
  1,858 moves (``policy_moves`` gives their order, from the mover's side of the board).

>>> net = load_maia("maia-1500.pb.gz")                      # doctest: +SKIP
>>> logits, tower = net(torch.zeros(1, 112, 8, 8))          # doctest: +SKIP
>>> logits.shape, tower.shape, net.band                     # doctest: +SKIP
(torch.Size([1, 1858]), torch.Size([1, 64, 8, 8]), 1500)
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Union

import numpy as np
import torch
from torch import Tensor, nn

INPUT_PLANES: Final = 112
POLICY_SIZE: Final = 1858
BANDS: Final = (1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900)
BN_EPSILON: Final = 1e-5

Message = dict[int, list[Union[int, bytes]]]


class MaiaFormatError(ValueError):
    """A file that is not a complete lc0 Maia network of the kind kibitz reads."""


# --- the protobuf wire format ------------------------------------------------------------------

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """The varint starting at ``buf[pos]`` and the position after it."""
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise MaiaFormatError("protobuf data ends inside a varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise MaiaFormatError("protobuf varint longer than 10 bytes")


def _fields(buf: bytes) -> Iterator[tuple[int, int, Union[int, bytes]]]:
    """(field number, wire type, value) of each field of one protobuf message, in file order.

    Varints come as ints; fixed32/fixed64 and length-delimited fields come as raw bytes.
    """
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: Union[int, bytes]
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        else:
            raise MaiaFormatError(f"unsupported protobuf wire type {wire} (field {number})")
        if pos > end:
            raise MaiaFormatError(f"protobuf field {number} runs past the end of its message")
        yield number, wire, value


def _message(buf: bytes) -> Message:
    """One protobuf message as {field number: [values in order]}."""
    fields: Message = {}
    for number, _, value in _fields(buf):
        fields.setdefault(number, []).append(value)
    return fields


def _submessage(msg: Message, number: int, what: str) -> Message:
    values = msg.get(number)
    if not values or not isinstance(values[-1], bytes):
        raise MaiaFormatError(f"missing {what} (field {number})")
    return _message(values[-1])


# --- lc0's Net message -------------------------------------------------------------------------
# Field numbers from lc0's net.proto: Net{format=4, weights=10}; Format{weights_encoding=1,
# network_format=2}; NetworkFormat{input=1, output=2, network=3, policy=4, value=5};
# Weights{input=1, residual=2, policy=3, policy1=11}; Residual{conv1=1, conv2=2, se=3};
# ConvBlock{weights=1, biases=2, bn_means=3, bn_stddivs=4, bn_gammas=5, bn_betas=6};
# SEunit{w1=1, b1=2, w2=3, b2=4}; Layer{min_val=1, max_val=2, params=3}.

_LINEAR16: Final = 1
_EXPECTED_FORMAT: Final = {1: ("input", 1), 3: ("network", 4), 4: ("policy", 2)}


def _layer(msg: Message, number: int, what: str) -> np.ndarray | None:
    """The dequantised values of the LINEAR16 ``Layer`` in field ``number`` (None if absent)."""
    if number not in msg:
        return None
    layer = _message(msg[number][-1])  # type: ignore[arg-type]
    try:
        low = float(np.frombuffer(layer[1][-1], "<f4")[0])  # type: ignore[arg-type]
        high = float(np.frombuffer(layer[2][-1], "<f4")[0])  # type: ignore[arg-type]
        params = layer[3][-1]
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise MaiaFormatError(f"{what}: layer without min_val/max_val/params") from error
    if not isinstance(params, bytes) or len(params) % 2:
        raise MaiaFormatError(f"{what}: params is not a whole number of uint16 values")
    units = np.frombuffer(params, "<u2").astype(np.float64)
    return (low + (high - low) * units / 65535.0).astype(np.float32)


def _conv_block(msg: Message, number: int, what: str, out: int, inp: int, kernel: int) -> dict[str, np.ndarray]:
    """A ConvBlock as {"weight": [out, in, k, k], "bias": [out]}, batch norm folded in.

    y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta, with var = ``bn_stddivs``.
    """
    block = _submessage(msg, number, what)
    weight = _layer(block, 1, f"{what}.weights")
    if weight is None or weight.size != out * inp * kernel * kernel:
        size = None if weight is None else weight.size
        raise MaiaFormatError(f"{what}: expected {out}x{inp}x{kernel}x{kernel} weights, found {size}")
    weight = weight.reshape(out, inp, kernel, kernel)
    parts = {}
    for name, field, default in (("bias", 2, 0.0), ("mean", 3, 0.0), ("var", 4, None),
                                 ("gamma", 5, 1.0), ("beta", 6, 0.0)):
        values = _layer(block, field, f"{what}.{name}")
        if values is None:
            values = None if default is None else np.full(out, default, np.float32)
        elif values.size != out:
            raise MaiaFormatError(f"{what}.{name}: expected {out} values, found {values.size}")
        parts[name] = values
    bias = parts["bias"]
    assert bias is not None
    if parts["var"] is None:  # a plain convolution (the last policy layer)
        return {"weight": weight, "bias": bias}
    scale = parts["gamma"] / np.sqrt(parts["var"].astype(np.float64) + BN_EPSILON)
    return {
        "weight": (weight * scale[:, None, None, None]).astype(np.float32),
        "bias": ((bias - parts["mean"]) * scale + parts["beta"]).astype(np.float32),
    }


def read_weights(path: str | Path) -> dict:
    """The tower and policy weights of an lc0 Maia file as numpy arrays, batch norm folded.

    :raises MaiaFormatError: for a truncated or corrupt gzip, a malformed protobuf, a network
        format other than classical-112-planes / SE residual tower / convolutional policy, or
        layers whose sizes do not fit together.
    """
    path = Path(path)
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as error:
        raise MaiaFormatError(f"{path.name}: not a complete gzip file ({error})") from error
    try:
        return _read_net(data)
    except MaiaFormatError as error:
        raise MaiaFormatError(f"{path.name}: {error}") from None


def _read_net(data: bytes) -> dict:
    net = _message(data)
    fmt = _submessage(net, 4, "Net.format")
    if fmt.get(1, [0])[-1] != _LINEAR16:
        raise MaiaFormatError(f"weights encoding {fmt.get(1)} is not LINEAR16")
    network = _submessage(fmt, 2, "Format.network_format")
    for field, (name, wanted) in _EXPECTED_FORMAT.items():
        if network.get(field, [None])[-1] != wanted:
            raise MaiaFormatError(f"network_format.{name} is {network.get(field)}, kibitz reads {wanted}")
    weights = _submessage(net, 10, "Net.weights")

    input_weights = _layer(_submessage(weights, 1, "weights.input"), 1, "input.weights")
    if input_weights is None or input_weights.size % (INPUT_PLANES * 9):
        raise MaiaFormatError("input convolution weights are not [filters, 112, 3, 3]")
    filters = input_weights.size // (INPUT_PLANES * 9)
    out = {"input": _conv_block(weights, 1, "input", filters, INPUT_PLANES, 3), "blocks": []}
    for i, raw in enumerate(weights.get(2, [])):
        residual = _message(raw)  # type: ignore[arg-type]
        what = f"residual[{i}]"
        block = {
            "conv1": _conv_block(residual, 1, f"{what}.conv1", filters, filters, 3),
            "conv2": _conv_block(residual, 2, f"{what}.conv2", filters, filters, 3),
        }
        if 3 not in residual:
            raise MaiaFormatError(f"{what} has no squeeze-excitation unit")
        se = _submessage(residual, 3, f"{what}.se")
        b1 = _layer(se, 2, f"{what}.se.b1")
        if b1 is None:
            raise MaiaFormatError(f"{what}.se has no b1")
        squeeze = b1.size
        arrays = {"b1": b1}
        for name, field, size in (("w1", 1, squeeze * filters), ("w2", 3, 2 * filters * squeeze),
                                  ("b2", 4, 2 * filters)):
            values = _layer(se, field, f"{what}.se.{name}")
            if values is None or values.size != size:
                raise MaiaFormatError(f"{what}.se.{name}: expected {size} values")
            arrays[name] = values
        block["se"] = {
            "w1": arrays["w1"].reshape(squeeze, filters), "b1": b1,
            "w2": arrays["w2"].reshape(2 * filters, squeeze), "b2": arrays["b2"],
        }
        out["blocks"].append(block)
    if not out["blocks"]:
        raise MaiaFormatError("no residual blocks")
    out["policy1"] = _conv_block(weights, 11, "policy1", filters, filters, 3)
    out["policy"] = _conv_block(weights, 3, "policy", _POLICY_PLANES, filters, 3)
    return out


# --- the 1,858-move policy -------------------------------------------------------------------

_POLICY_PLANES: Final = 80
_QUEEN_DIRECTIONS: Final = ((0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1))
_KNIGHT_JUMPS: Final = ((1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2))
_PROMOTION_PIECES: Final = "qrb"  # lc0's order in the move list; planes 64-72 go r, b, q
_FILES: Final = "abcdefgh"


def _name(square: int) -> str:
    return _FILES[square % 8] + str(square // 8 + 1)


def _build_policy() -> tuple[list[str], np.ndarray]:
    """lc0's 1,858 moves (UCI, mover's frame) and each one's index into the flattened 80x64 planes.

    Order: for each from-square a1..h8, every queen-line or knight destination in ascending
    square order; then, per file a..h and direction left/straight/right, promotions q, r, b.
    Planes: 0-55 queen moves (direction N, NE, E, SE, S, SW, W, NW x distance 1-7), 56-63 knight
    jumps (lc0's order, as above), 64-72 promotions (direction NW, N, NE x piece r, b, q).
    """
    moves: list[str] = []
    flat: list[int] = []
    for origin in range(64):
        file, rank = origin % 8, origin // 8
        targets: dict[int, int] = {}
        for d, (df, dr) in enumerate(_QUEEN_DIRECTIONS):
            for distance in range(1, 8):
                f, r = file + df * distance, rank + dr * distance
                if not (0 <= f < 8 and 0 <= r < 8):
                    break
                targets[r * 8 + f] = d * 7 + distance - 1
        for j, (df, dr) in enumerate(_KNIGHT_JUMPS):
            f, r = file + df, rank + dr
            if 0 <= f < 8 and 0 <= r < 8:
                targets[r * 8 + f] = 56 + j
        for target in sorted(targets):
            moves.append(_name(origin) + _name(target))
            flat.append(targets[target] * 64 + origin)
    for file in range(8):
        origin = 6 * 8 + file
        for direction, df in enumerate((-1, 0, 1)):  # NW, N, NE
            if not 0 <= file + df < 8:
                continue
            for piece in _PROMOTION_PIECES:
                plane = 64 + direction * 3 + "rbq".index(piece)
                moves.append(_name(origin) + _name(7 * 8 + file + df) + piece)
                flat.append(plane * 64 + origin)
    assert len(moves) == POLICY_SIZE and len(set(flat)) == POLICY_SIZE
    return moves, np.asarray(flat, np.int64)


_POLICY_MOVES, _POLICY_GATHER = _build_policy()


def policy_moves() -> list[str]:
    """lc0's 1,858 policy moves as UCI strings, from the mover's side (castling as e1h1/e1a1).

    A plain rank-7 to rank-8 pawn move is a knight promotion; the other promotions are explicit.

    >>> policy_moves()[:3], policy_moves()[-1]
    (['a1b1', 'a1c1', 'a1d1'], 'h7g8b')
    """
    return list(_POLICY_MOVES)


# --- the network -------------------------------------------------------------------------------

def _conv(arrays: dict[str, np.ndarray]) -> nn.Conv2d:
    weight = torch.from_numpy(arrays["weight"].copy())
    conv = nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[2], padding=weight.shape[2] // 2)
    with torch.no_grad():
        conv.weight.copy_(weight)
        conv.bias.copy_(torch.from_numpy(arrays["bias"].copy()))
    return conv


def _linear(weight: np.ndarray, bias: np.ndarray) -> nn.Linear:
    linear = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(weight.copy()))
        linear.bias.copy_(torch.from_numpy(bias.copy()))
    return linear


class ResidualBlock(nn.Module):
    """conv + BN + ReLU, conv + BN, squeeze-excitation, add the input, ReLU."""

    def __init__(self, weights: dict) -> None:
        super().__init__()
        self.conv1 = _conv(weights["conv1"])
        self.conv2 = _conv(weights["conv2"])
        self.se1 = _linear(weights["se"]["w1"], weights["se"]["b1"])
        self.se2 = _linear(weights["se"]["w2"], weights["se"]["b2"])

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv2(torch.relu(self.conv1(x)))
        # SE: the first half of the excitation scales the channels (sigmoid), the second adds.
        gate, shift = self.se2(torch.relu(self.se1(y.mean(dim=(2, 3))))).chunk(2, dim=1)
        y = torch.sigmoid(gate)[:, :, None, None] * y + shift[:, :, None, None]
        return torch.relu(y + x)


class MaiaNet(nn.Module):
    """A frozen Maia-1 network: planes [N,112,8,8] -> (policy logits [N,1858], tower [N,C,8,8]).

    ``policy`` follows lc0's 1,858-move order (``policy_moves``); ``tower`` is the residual
    tower's output after the last block's ReLU, the features kibitz's adapter reads.
    """

    def __init__(self, weights: dict, band: int) -> None:
        super().__init__()
        self.band = band
        self.input = _conv(weights["input"])
        self.blocks = nn.ModuleList(ResidualBlock(block) for block in weights["blocks"])
        self.policy1 = _conv(weights["policy1"])
        self.policy = _conv(weights["policy"])
        self.register_buffer("gather", torch.from_numpy(_POLICY_GATHER.copy()), persistent=False)
        self.filters = self.input.out_channels
        self.eval()
        self.requires_grad_(False)

    def forward(self, planes: Tensor) -> tuple[Tensor, Tensor]:
        x = torch.relu(self.input(planes))
        for block in self.blocks:
            x = block(x)
        policy = self.policy(torch.relu(self.policy1(x)))
        return policy.flatten(1)[:, self.gather], x

    def train(self, mode: bool = True) -> MaiaNet:
        """Always stays in eval mode: the prior is frozen (there is no dropout or live BN anyway)."""
        return super().train(False)

    def extra_repr(self) -> str:
        return f"band={self.band}, blocks={len(self.blocks)}, filters={self.filters}"


def band_of(path: str | Path) -> int:
    """The rating band in a Maia file name: ``maia-1500.pb.gz`` -> 1500.

    :raises ValueError: when the name holds no four-digit band.
    """
    match = re.search(r"maia-(\d{4})", Path(path).name)
    if match is None:
        raise ValueError(f"{Path(path).name}: no band in the name (expected maia-XXXX.pb.gz)")
    return int(match.group(1))


def load_maia(path: str | Path, band: int | None = None) -> MaiaNet:
    """The frozen Maia network in ``path`` (eval mode, no gradients), ``band`` from its name.

    :raises MaiaFormatError: when the file is truncated, corrupt, or another kind of network.
    """
    return MaiaNet(read_weights(path), band_of(path) if band is None else band)

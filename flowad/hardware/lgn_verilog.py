"""Synthesizable Verilog for a logic-gate student, its simulation, and its resource estimate.

hls4ml has no logic-gate layers, so the discrete network (``LGNStudent.gate_list()``) is written as
Verilog directly, whole: the student reads the same fixed-point input words as the Keras students
(``features[f*W +: W]``, for the calo view the 10-bit region ET), a registered stage of thermometer
comparators ``in_bits[f*bits + k] = word_f > ⌊θ_{f,k}·2^frac⌋`` turns them into bits, then one registered
layer of two-input gates per clock, then a registered popcount of the output gates (the group sum).
Latency = 1 (comparators) + gate layers + 1 (popcount) cycles, initiation interval 1.

A student that subtracts pile-up (``gates["pileup"]``, :func:`flowad.student.lgn.pileup_level`) finds its level in
front, one cycle per bit of the level by binary search (:func:`pileup_stage`: cap 15, 4 cycles, 4 popcounts of
``word ≥ k``); its comparators then read ``word > θ + level``, which for θ ≥ 0 is ``max(word − level, 0) > θ``.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from flowad.atomic import write_text_atomic
from flowad.hardware.simulation import memb_lines, stream

MODULE = "lgn_student"
EXPRESSIONS = {
    "false": "1'b0", "and": "{a} & {b}", "a_and_not_b": "{a} & ~{b}", "a": "{a}", "not_a_and_b": "~{a} & {b}",
    "b": "{b}", "xor": "{a} ^ {b}", "or": "{a} | {b}", "nor": "~({a} | {b})", "xnor": "~({a} ^ {b})",
    "not_b": "~{b}", "a_or_not_b": "{a} | ~{b}", "not_a": "~{a}", "not_a_or_b": "~{a} | {b}",
    "nand": "~({a} & {b})", "true": "1'b1",
}
TRIVIAL = {"false", "true", "a", "b"}


def count_width(n_out: int) -> int:
    return max(1, math.ceil(math.log2(n_out + 1)))


def pileup_cycles(gates: dict) -> int:
    """The pile-up stage's cycles (0 without one): one per bit of the level (cap 15: 4)."""
    return int(gates["pileup"]["cap"]).bit_length() if gates.get("pileup") else 0


def latency_cycles(gates: dict) -> int:
    """Clock cycles from input words to count: the pile-up stage when there is one, comparators, one per gate layer,
    popcount."""
    return len(gates["layers"]) + 2 + pileup_cycles(gates)


def n_features(gates: dict) -> int:
    return max(f for f, *_ in gates["inputs"]) + 1


def comparator(word: str, constant: int, width: int, signed: bool, level: str | None = None) -> str:
    """The Verilog of ``word > constant`` for a ``width``-bit word; a constant outside the word's range is a literal.
    With ``level`` (an unsigned pile-up level, :func:`pileup_stage`) it is ``max(word − level, 0) > constant``."""
    low, high = (-(2 ** (width - 1)), 2 ** (width - 1) - 1) if signed else (0, 2 ** width - 1)
    if constant >= high:
        return "1'b0"
    if constant < low:
        return "1'b1"
    if level is not None:  # unsigned words only (the student refuses signed ones); max(w − l, 0) > c ⟺ w > c + l, c ≥ 0
        return f"{{1'b0, {word}}} > ({width + 1}'d{constant} + {level})"
    if not signed:
        return f"{word} > {width}'d{constant}"
    literal = f"-{width}'sd{-constant}" if constant < 0 else f"{width}'sd{constant}"
    return f"$signed({word}) > {literal}"


def operands(op: str) -> tuple[bool, bool]:
    """Whether gate ``op`` reads its first and its second input."""
    return "{a}" in EXPRESSIONS[op], "{b}" in EXPRESSIONS[op]


def live_cone(gates: dict) -> list[set[int]]:
    """Per level (the comparator bits ``in_bits``, then each gate layer), the indices the popcount depends on.

    Training wires every gate to two inputs, but a gate that settled on ``a``, ``not_b`` or a constant ignores one
    or both, so most of the 252 × bits comparators of a small network feed nothing. Synthesis removes such logic
    anyway; writing only the live cone makes the Verilog what synthesis keeps (yosys took 42 s on a 16-8 network's
    1,512 comparators, of which at most 32 can be read)."""
    layers = gates["layers"]
    live = [set() for _ in range(len(layers))] + [set(range(len(layers[-1])))]
    for depth in range(len(layers) - 1, -1, -1):
        for i in live[depth + 1]:
            op, a, b = layers[depth][i]
            uses_a, uses_b = operands(op)
            live[depth].update(([a] if uses_a else []) + ([b] if uses_b else []))
    return live


def unique_comparators(gates: dict, live_inputs: set[int]) -> int:
    """Of the comparators ``live_inputs`` (``live_cone(gates)[0]``), those that are not constants and not repeats of
    another (synthesis merges those)."""
    word = gates["input_word"]
    width, signed = word["bits"], word["signed"]
    inputs = gates["inputs"]
    kept = {(inputs[j][0], inputs[j][2]) for j in live_inputs
            if not comparator("w", inputs[j][2], width, signed).startswith("1'b")}
    return len(kept)


def pileup_stage(gates: dict, n_feat: int, width: int) -> list[str]:
    """Verilog lines of the pile-up stage, a binary search of :func:`pileup_cycles` steps from the level's top bit: step
    i tries the level found so far with bit b set and keeps it when at least ``rank`` words are ≥ it (one popcount
    per step). It ends in registers ``words{B}`` (the input words, B cycles late) and ``level{B}``."""
    cap, rank = gates["pileup"]["cap"], gates["pileup"]["rank"]
    steps, cw = pileup_cycles(gates), count_width(n_feat)
    if cap != 2 ** steps - 1:
        raise ValueError(f"a binary-searched pile-up level needs a cap of 2**b - 1, got {cap}")
    lines = [f"  // pile-up level: the largest k <= {cap} with at least {rank} of the {n_feat} words >= k, by binary search",
             f"  wire [{n_feat * width - 1}:0] words0 = features;",
             f"  wire [{steps - 1}:0] level0 = 0;"]
    for i in range(steps):
        bit = steps - 1 - i
        lines += [
            f"  wire [{steps - 1}:0] try{i} = level{i} | {steps}'d{1 << bit};",
            f"  reg [{cw - 1}:0] tally{i};",
            f"  integer r{i};",
            "  always @(*) begin",
            f"    tally{i} = 0;",
            f"    for (r{i} = 0; r{i} < {n_feat}; r{i} = r{i} + 1) tally{i} = tally{i} + (words{i}[r{i} * {width} +: {width}] >= try{i});",
            "  end",
            f"  reg [{n_feat * width - 1}:0] words{i + 1};",
            f"  reg [{steps - 1}:0] level{i + 1};",
            "  always @(posedge clk) begin",
            f"    level{i + 1} <= tally{i} >= {rank} ? try{i} : level{i};",
            f"    words{i + 1} <= words{i};",
            "  end",
        ]
    return lines


def verilog(gates: dict, comparators: bool = True) -> str:
    """The Verilog text of a gate list (see ``LGNStudent.gate_list``): only its :func:`live_cone` is written (the
    other bits are declared and never driven nor read). ``comparators=False`` leaves the comparators out (the module
    then reads the thermometer bits ``in_bits`` directly): only to measure what they cost."""
    layers = gates["layers"]
    live = live_cone(gates)
    n_in = len(gates["inputs"])
    n_out = len(layers[-1])
    width = count_width(n_out)
    word = gates["input_word"]
    w, n_feat = word["bits"], n_features(gates)
    lines = [
        f"// flowad logic-gate student: {n_feat} input words of {w} bits ({'signed' if word['signed'] else 'unsigned'}, "
        f"{word['fraction_bits']} fractional), {len(live[0])} live of {n_in} comparators, layers {[len(l) for l in layers]} "
        f"({[len(l) for l in live[1:]]} live), popcount of {n_out}",
        f"// latency {latency_cycles(gates)} cycles, II 1"
        + (f"; pile-up level (cap {gates['pileup']['cap']}) subtracted before the comparators" if gates.get("pileup") else ""),
        f"module {MODULE} (",
        "  input  wire clk,",
        f"  input  wire [{n_feat * w - 1}:0] features," if comparators else f"  input  wire [{n_in - 1}:0] in_bits,",
        f"  output reg  [{width - 1}:0] count",
        ");",
    ]
    if comparators:
        steps = pileup_cycles(gates)
        source, level = (f"words{steps}", f"level{steps}") if steps else ("features", None)
        if steps:
            lines += pileup_stage(gates, n_feat, w)
        lines += [f"  reg [{n_in - 1}:0] in_bits;", "  always @(posedge clk) begin"]
        for j in sorted(live[0]):
            f, _, constant = gates["inputs"][j]
            lines.append(f"    in_bits[{j}] <= {comparator(f'{source}[{f * w} +: {w}]', constant, w, word['signed'], level)};")
        lines.append("  end")
    previous = "in_bits"
    for depth, layer in enumerate(layers):
        name = f"layer{depth}"
        lines.append(f"  reg [{len(layer) - 1}:0] {name};")
        lines.append("  always @(posedge clk) begin")
        for i in sorted(live[depth + 1]):
            op, a, b = layer[i]
            expr = EXPRESSIONS[op].format(a=f"{previous}[{a}]", b=f"{previous}[{b}]")
            lines.append(f"    {name}[{i}] <= {expr};")
        lines.append("  end")
        previous = name
    lines += [
        "  integer i;",
        f"  reg [{width - 1}:0] sum;",
        "  always @(*) begin",
        "    sum = 0;",
        f"    for (i = 0; i < {n_out}; i = i + 1) sum = sum + {previous}[i];",
        "  end",
        "  always @(posedge clk) count <= sum;",
        "endmodule",
    ]
    return "\n".join(lines) + "\n"


def write_verilog(gates: dict, path: str | Path, comparators: bool = True) -> Path:
    write_text_atomic(path, verilog(gates, comparators))
    return Path(path)


def simulate(gates: dict, words: np.ndarray, verilog_path: str | Path | None = None) -> np.ndarray:
    """Popcounts from simulating the Verilog (``verilog_path``, default: written from ``gates``) with Icarus
    Verilog (``iverilog``/``vvp`` on PATH) on integer input ``words`` (events × features)."""
    w = gates["input_word"]["bits"]
    n_events, n_feat = words.shape
    with tempfile.TemporaryDirectory(prefix="flowad-lgn-") as tmp:
        source = Path(verilog_path) if verilog_path is not None else write_verilog(gates, Path(tmp) / "student.v")
        lines = stream([source], memb_lines(words, w), n_events, n_feat * w, count_width(len(gates["layers"][-1])),
                       f"{MODULE} dut(.clk(clk), .features(x), .count(y));", latency_cycles(gates))
    return np.asarray([int(line) for line in lines if line.isdigit()][:n_events])


COMPARATOR_LUTS_PER_BIT = 0.27
"""LUTs per input-word bit of one live constant comparator, fitted to yosys ``synth_xilinx`` over 4 logic-gate students
in bench/hardware.py (0.271 on 2026-12-07, counting the live cone; the closed form is then within 0.97–1.04 of yosys.
The 0.15 fitted before counted every comparator, dead ones included)."""


PILEUP_LUTS_PER_WORD_STEP = 5.11
"""LUTs of the pile-up stage per input word and binary-search step (a ``word ≥ try`` compare and its share of the
step's popcount). Fitted with ``LEVEL_COMPARATOR_LUTS_PER_BIT`` to yosys ``synth_xilinx`` on two pile-up-subtracting
students (2026-12-07): a 64-32 @ 3 thr (5,497 LUTs, 55 comparators) and a 1024-512 @ 6 thr (12,480 LUTs, 1,112
comparators). Two designs, two constants: it matches both by construction; the one design distilled after the fit
(1024-512 @ 6 thr, 1,258 comparators) reads 1.01× yosys (13,371 against 13,224 LUTs)."""
LEVEL_COMPARATOR_LUTS_PER_BIT = 0.515
"""LUTs per input-word bit of a comparator against ``θ + level`` (a pile-up-subtracting student's): ~2× a constant
comparator's (``COMPARATOR_LUTS_PER_BIT``)."""


def resources(gates: dict) -> dict[str, float]:
    """Closed-form resources of the :func:`live_cone`: the distinct non-constant comparators at ``COMPARATOR_LUTS_PER_BIT`` LUTs per word
    bit, one LUT per non-trivial two-input gate (no LUT6 packing), a popcount of ``n`` bits as ≈ ``n`` LUTs
    (compressor tree); one FF per comparator, per gate output and per count bit.

    A pile-up stage adds ``PILEUP_LUTS_PER_WORD_STEP`` per word and step, and a register of every word per step but
    the last, whose words only the live comparators read; its comparators cost ``LEVEL_COMPARATOR_LUTS_PER_BIT``.

    Not a bound: yosys packs gates into LUT6s but its popcount adders can cost more than ``n`` LUTs."""
    live = live_cone(gates)
    ops = [layer[i][0] for layer, kept in zip(gates["layers"], live[1:]) for i in kept]
    n_out = len(gates["layers"][-1])
    logic = sum(op not in TRIVIAL for op in ops)
    steps, n_feat, w = pileup_cycles(gates), n_features(gates), gates["input_word"]["bits"]
    comparators = unique_comparators(gates, live[0])
    comparator_luts = comparators * w * (LEVEL_COMPARATOR_LUTS_PER_BIT if steps else COMPARATOR_LUTS_PER_BIT)
    pileup_luts = PILEUP_LUTS_PER_WORD_STEP * n_feat * steps
    live_words = len({gates["inputs"][j][0] for j in live[0]})
    pileup_ffs = ((steps - 1) * n_feat + live_words) * w + steps * steps if steps else 0
    return {"lut": float(logic + n_out + comparator_luts + pileup_luts),
            "ff": float(len(live[0]) + len(ops) + count_width(n_out) + pileup_ffs), "pileup_luts": float(pileup_luts),
            "latency_cycles": float(latency_cycles(gates)), "logic_gates": float(logic),
            "comparators": float(comparators), "comparator_luts": float(comparator_luts)}

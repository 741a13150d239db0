"""An interactive Pareto view as one self-contained HTML file (no scripts from the network: none is reachable at
a trigger site's MLflow, and MLflow's artefact viewer shows an ``.html`` artefact in a frame).

One panel per cost axis (LUT, DSP, latency in ns) against the first objective. Every finished trial is a point
labelled with its trial id; hovering shows its run name, family, widths, bits and figures; clicking opens its
MLflow run. Front members (on all objectives at once) are filled; the no-ML baselines are diamonds at
their firmware cost with a dashed line at their value; the best teacher is a dotted ceiling.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence

from flowad.student.families import STUDENT_FAMILIES

WIDTH, HEIGHT, MARGIN = 460, 340, 56
COST_LABELS = {"lut": "LUTs", "dsp": "DSPs", "latency_ns": "latency (ns)"}


def family_colour(family: str) -> str:
    """The family's plot colour (:attr:`flowad.student.base.Student.colour`); grey for one not registered here."""
    cls = STUDENT_FAMILIES.get(family)
    return cls.colour if cls is not None else "#7f7f7f"


def _axis(values: Sequence[float], log: bool) -> tuple[float, float]:
    finite = [v for v in values if v is not None and math.isfinite(v) and (v > 0 or not log)]
    if not finite:
        return (0.0, 1.0) if not log else (1.0, 10.0)
    low, high = min(finite), max(finite)
    if log:
        low, high = math.log10(low), math.log10(high)
    pad = (high - low) * 0.08 or 0.5
    return low - pad, high + pad


def _scale(value: float, span: tuple[float, float], length: float, log: bool, flip: bool = False) -> float:
    if log:
        value = math.log10(max(value, 1e-9))
    fraction = (value - span[0]) / (span[1] - span[0])
    return (1 - fraction) * length if flip else fraction * length


def _ticks(span: tuple[float, float], log: bool) -> list[float]:
    if log:
        return [10.0 ** k for k in range(math.floor(span[0]), math.ceil(span[1]) + 1) if span[0] <= k <= span[1]]
    step = 10 ** math.floor(math.log10((span[1] - span[0]) / 4 or 1))
    for factor in (1, 2, 5, 10):
        if (span[1] - span[0]) / (step * factor) <= 6:
            step *= factor
            break
    first = math.ceil(span[0] / step) * step
    return [first + i * step for i in range(int((span[1] - first) / step) + 1)]


def _fmt(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value / 1000:.0f}k" if abs(value) >= 10_000 else f"{value / 1000:.1f}k"
    return f"{value:.3g}"


def panel(points: list[dict], quality: str, cost: str, baselines: dict[str, dict[str, float]], ceiling: float | None) -> str:
    xs = [p.get(cost) for p in points] + [b.get(cost) for b in baselines.values()]
    ys = [p.get(quality) for p in points] + [b.get(quality) for b in baselines.values()] + ([ceiling] if ceiling else [])
    positive = [x for x in xs if x is not None and math.isfinite(x) and x > 0]
    log = cost != "latency_ns" and len(positive) > 1 and max(positive) / min(positive) > 20
    xspan, yspan = _axis(xs, log), _axis(ys, False)
    w, h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    out = [f'<svg class="panel" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">',
           f'<g transform="translate({MARGIN},{MARGIN // 2})">',
           f'<rect width="{w}" height="{h}" fill="none" stroke="#999"/>']
    for tick in _ticks(xspan, log):
        x = _scale(tick, xspan, w, log)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{h}" y2="{h + 4}" stroke="#999"/>'
                   f'<text x="{x:.1f}" y="{h + 16}" class="tick" text-anchor="middle">{_fmt(tick)}</text>')
    for tick in _ticks(yspan, False):
        y = _scale(tick, yspan, h, False, flip=True)
        out.append(f'<line x1="-4" x2="0" y1="{y:.1f}" y2="{y:.1f}" stroke="#999"/>'
                   f'<text x="-7" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick:.3g}</text>')
    out.append(f'<text x="{w / 2}" y="{h + 34}" text-anchor="middle">{COST_LABELS.get(cost, cost)}{" (log)" if log else ""}</text>'
               f'<text transform="translate(-42,{h / 2}) rotate(-90)" text-anchor="middle">{html.escape(quality)} (validation)</text>')
    if ceiling is not None and math.isfinite(ceiling):
        y = _scale(ceiling, yspan, h, False, flip=True)
        out.append(f'<line x1="0" x2="{w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#555" stroke-dasharray="1,3">'
                   f'<title>best teacher {quality} {ceiling:.3f}</title></line>')
    for name, values in baselines.items():
        value, at = values.get(quality), values.get(cost)
        if value is None or not math.isfinite(value):
            continue
        y = _scale(value, yspan, h, False, flip=True)
        out.append(f'<line x1="0" x2="{w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#888" stroke-dasharray="5,4"/>')
        if at is not None and math.isfinite(at) and (at > 0 or not log):
            x = _scale(at, xspan, w, log)
            out.append(f'<path d="M{x:.1f},{y - 6:.1f} l6,6 l-6,6 l-6,-6 z" fill="#fff" stroke="#000">'
                       f'<title>{html.escape(name)} (no ML): {quality} {value:.3f}, {cost} {_fmt(at)}</title></path>'
                       f'<text x="{x + 8:.1f}" y="{y - 6:.1f}" class="base">{html.escape(name)}</text>')
    for p in points:
        x_value, y_value = p.get(cost), p.get(quality)
        if x_value is None or y_value is None or not (math.isfinite(x_value) and math.isfinite(y_value)) or (log and x_value <= 0):
            continue
        x, y = _scale(x_value, xspan, w, log), _scale(y_value, yspan, h, False, flip=True)
        colour = family_colour(p["family"])
        fill = colour if p["front"] else "#fff"
        out.append(f'<a href="{html.escape(p["link"])}" target="_top"><circle cx="{x:.1f}" cy="{y:.1f}" r="{6 if p["front"] else 4}" '
                   f'fill="{fill}" stroke="{colour}" stroke-width="1.5"><title>{html.escape(p["tooltip"])}</title></circle></a>'
                   f'<text x="{x + 7:.1f}" y="{y + 3:.1f}" class="label">{html.escape(p["trial"])}</text>')
    out.append("</g></svg>")
    return "".join(out)


def pareto_html(points: list[dict], quality: str, costs: Sequence[str], baselines: dict[str, dict[str, float]],
                ceiling: float | None, title: str, note: str = "") -> str:
    """The page. ``points``: one dict per finished trial with ``trial``, ``run_name``, ``family``, ``front``,
    ``link``, ``tooltip`` and its metric values."""
    legend = " ".join(f'<span style="color:{family_colour(f)}">● {f}</span>' for f in STUDENT_FAMILIES
                      if any(p["family"] == f for p in points))
    rows = "".join(f"<tr><td>{html.escape(p['trial'])}</td><td><a href=\"{html.escape(p['link'])}\" target=\"_top\">"
                   f"{html.escape(p['run_name'])}</a></td><td>{p.get(quality, float('nan')):.3f}</td>"
                   + "".join(f"<td>{_fmt(p.get(c))}</td>" for c in costs) + "</tr>"
                   for p in sorted(points, key=lambda p: -p.get(quality, 0)) if p["front"])
    data = json.dumps(points, default=str).replace("</", "<\\/")  # the points, machine-readable
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font:13px sans-serif;margin:12px}} .tick{{font-size:10px;fill:#555}} .label{{font-size:9px;fill:#333}}
.base{{font-size:10px;fill:#000;font-style:italic}} table{{border-collapse:collapse}} td,th{{padding:2px 8px;border-bottom:1px solid #ddd}}</style>
</head><body>
<h3>{html.escape(title)}</h3>
<p>{len(points)} finished trials, {sum(p['front'] for p in points)} on the front (filled; the front is over every objective, so a panel may show a filled point behind an open one). {legend}.
◇ no-ML baselines at their firmware cost, dashed at their value; dotted: best teacher. Hover a point for the model,
click it to open its run. {html.escape(note)}</p>
{''.join(panel(points, quality, cost, baselines, ceiling) for cost in costs)}
<h4>Front</h4>
<table><tr><th>trial</th><th>run</th><th>{html.escape(quality)}</th>{''.join(f'<th>{COST_LABELS.get(c, c)}</th>' for c in costs)}</tr>{rows}</table>
<script type="application/json" id="points">{data}</script>
</body></html>
"""

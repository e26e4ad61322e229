"""Server-rendered SVG charts (no JavaScript, no CDN): the score history line."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


def history_chart(history: list[dict], *, width: int = 480, height: int = 140, pad: int = 28) -> dict | None:
    """Coordinates for a 0–100 score line over time; None when there is nothing to draw."""
    if not history:
        return None
    times = [h["at"].timestamp() for h in history]
    start, span = times[0], (times[-1] - times[0]) or 1.0
    inner_w, inner_h = width - 2 * pad, height - 2 * pad

    def x_of(t: float) -> float:
        return round(pad + (inner_w * (t - start) / span if len(times) > 1 else inner_w / 2), 1)

    def y_of(score: float) -> float:
        return round(pad + inner_h * (1 - score / 100), 1)

    points = [
        Point(x_of(t), y_of(h["score"]), f"{h['score']:.0f} at {h['at']:%Y-%m-%d %H:%M} UTC")
        for t, h in zip(times, history, strict=True)
    ]
    return {
        "width": width,
        "height": height,
        "points": points,
        "polyline": " ".join(f"{p.x},{p.y}" for p in points),
        "grid": [{"y": y_of(v), "label": v} for v in (0, 50, 100)],
        "left": pad,
        "right": width - pad,
        "first": f"{history[0]['at']:%Y-%m-%d}",
        "last": f"{history[-1]['at']:%Y-%m-%d}",
        "bottom": height - 6,
    }


def sparkline(history: list[dict], *, width: int = 120, height: int = 28) -> dict | None:
    """A small 0–100 line without axes (a domain's trend in a table row); None with fewer than two points."""
    if len(history) < 2:
        return None
    times = [h["at"].timestamp() for h in history]
    start, span = times[0], (times[-1] - times[0]) or 1.0
    points = [(round(2 + (width - 4) * (t - start) / span, 1), round(2 + (height - 4) * (1 - h["score"] / 100), 1))
              for t, h in zip(times, history, strict=True)]
    first, last = history[0]["score"], history[-1]["score"]
    return {"width": width, "height": height, "polyline": " ".join(f"{x},{y}" for x, y in points),
            "last": points[-1], "label": f"from {first:.0f} to {last:.0f} over {len(history)} days",
            "direction": "up" if last > first + 0.5 else "down" if last < first - 0.5 else "flat"}

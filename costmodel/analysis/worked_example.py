"""A published day as a worked example: the model's cost and revenue beside the operator's own.

``worked_example("deepseek-day")`` bills DeepSeek's published day (costmodel.workloads.day) at its
provider price and at the cost of the fleet the model says it needs: the published deployment
(H800, FP8, an EP144 decode unit), the published speed per user (20 tokens/s, the low end of 20-22)
and the published load shape (peak / average = 278 / 226.75 nodes), GPUs at DeepSeek's $2 per
GPU-hour. Nothing is fitted to the published cost: the GPU price is DeepSeek's own, the decode
efficiency reproduces DeepSeek's published profile data (data/workloads/days.yaml), the rest is
the engine's physics.

Margins are given both ways: gross margin (R - C) / R, the share of revenue left, and cost-profit
margin (R - C) / C, the markup on cost, which is what DeepSeek's 545 % is.
"""

from __future__ import annotations

from typing import Any

from costmodel.pricing.billing import bill
from costmodel.pricing.fleet_billing import bill_at_fleet_cost
from costmodel.pricing.prices import provider_scheme
from costmodel.workloads.day import published_day

CAPTURED = (
    "Captured: the GPU time of prefill and decode at the published 20 tokens/s per user, whole replicas of the "
    "published 144-GPU decode unit, the daily load curve (peak/average 278/226.75) with nodes following it hour "
    "by hour, and idle GPUs, at DeepSeek's own $2 per H800-hour; decode efficiency is set from DeepSeek's "
    "profile data (18,598 tokens/s per node), not from the cost. Not captured: DeepSeek's separate prefill and "
    "decode units (prefill runs on the decode replicas here), the on-disk KV cache's own cost, networking, "
    "storage and staff; and the revenue is every token at R1 prices, as DeepSeek's theoretical figure (no free "
    "web and app use, no night discount, no cheaper V3 traffic)."
)


def gross_margin_pct(revenue_usd: float, cost_usd: float) -> float | None:
    """(R - C) / R in percent."""
    return 100.0 * (revenue_usd - cost_usd) / revenue_usd if revenue_usd > 0 else None


def cost_profit_margin_pct(revenue_usd: float, cost_usd: float) -> float | None:
    """(R - C) / C in percent."""
    return 100.0 * (revenue_usd - cost_usd) / cost_usd if cost_usd > 0 else None


def day_cost_usd(day_id: str = "deepseek-day", **scenario_overrides: Any) -> float:
    """The day's modeled fleet cost with some deployment fields replaced (for the sensitivity figures)."""
    return _day_report(published_day(day_id), **scenario_overrides).schemes[0].cost_usd


def _day_report(day, **scenario_overrides: Any):
    scheme = provider_scheme(day.published["provider_price"])
    return bill_at_fleet_cost(
        day.workload(), [scheme], scenario=day.scenario(**scenario_overrides), shape=day.shape(),
        peak_headroom=day.fleet.peak_headroom, autoscale=day.fleet.autoscale, billing=day.fleet.billing,
    )


def worked_example(day_id: str = "deepseek-day", *, sensitivity: bool = True, **scenario_overrides: Any) -> dict[str, Any]:
    """Modeled beside published cost, revenue and both margins, with the fleet and what is (not) captured.

    ``scenario_overrides`` replace fields of the day's deployment (e.g. ``min_tokens_per_second_per_user``).
    ``sensitivity`` adds the cost at the top of the published speed range (22 tokens/s per user) and with
    the GPU family's default decode efficiency instead of the one taken from DeepSeek's profile data.
    """
    day = published_day(day_id)
    pub = day.published
    scheme = provider_scheme(pub["provider_price"])
    report = _day_report(day, **scenario_overrides)
    result = report.schemes[0]
    fleet = report.fleet
    # The same requests timed by the load curve (an assumed peak hour): what the off-peak prices in force
    # that day would have taken off the theoretical revenue.
    timed = bill(day.workload(timed=True), [scheme], costs=(0.0, 0.0)).schemes[0].revenue_usd
    cost, revenue = result.cost_usd, result.revenue_usd
    per_node = pub.get("gpus_per_node", 8)
    return {
        "id": day.id,
        "title": day.title,
        "source": day.source,
        "provider_price": pub["provider_price"],
        "modeled": {
            "cost_usd": cost,
            "revenue_usd": revenue,
            "revenue_with_offpeak_prices_usd": timed,
            "gross_margin_pct": gross_margin_pct(revenue, cost),
            "cost_profit_margin_pct": cost_profit_margin_pct(revenue, cost),
            "average_nodes": fleet["average_gpus"] / per_node,
            "peak_nodes": fleet["gpus_provisioned"] / per_node,
        },
        "published": {
            "cost_usd": pub["cost_usd"],
            "revenue_usd": pub["revenue_usd"],
            "gross_margin_pct": gross_margin_pct(pub["revenue_usd"], pub["cost_usd"]),
            "cost_profit_margin_pct": cost_profit_margin_pct(pub["revenue_usd"], pub["cost_usd"]),
            "average_nodes": pub.get("nodes_average"),
            "peak_nodes": pub.get("nodes_peak"),
        },
        "cost_error": cost / pub["cost_usd"] - 1,
        "sensitivity": _sensitivity(day, pub, scenario_overrides) if sensitivity else {},
        "revenue_error": revenue / pub["revenue_usd"] - 1,
        "fleet": fleet,
        "workload": report.to_dict()["workload"],
        "captured": CAPTURED,
    }


def _sensitivity(day, pub: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The cost at the other end of the published speed range, and with default decode efficiency."""
    out: dict[str, Any] = {}
    speeds = pub.get("tokens_per_second_per_user") or []
    if len(speeds) == 2:
        cost = day_cost_usd(day.id, **{**overrides, "min_tokens_per_second_per_user": float(speeds[1])})
        out[f"cost_usd_at_{speeds[1]:g}_tokens_per_second_per_user"] = cost
    if "decode_mbu" in day.deployment or "decode_mfu" in day.deployment:
        cost = day_cost_usd(day.id, **{**overrides, "decode_mbu": None, "decode_mfu": None})
        out["cost_usd_with_default_decode_efficiency"] = cost
    return {k: {"cost_usd": v, "cost_error": v / pub["cost_usd"] - 1} for k, v in out.items()}


def describe(example: dict[str, Any]) -> str:
    """The worked example as the CLI prints it: modeled beside published, both margins, what is captured."""
    m, p, f = example["modeled"], example["published"], example["fleet"]
    op = f["operating_point"]
    lines = [
        f"{example['title']}",
        f"  source: {example['source']}",
        f"  served at {op['tokens_per_second_per_user']:.1f} output tokens/s per user "
        f"(target {op['min_tokens_per_second_per_user']:g}; binding: {op['binding_constraint']}), "
        f"replicas of {f['gpus_per_replica']} GPUs, {'autoscaled hour by hour' if f['autoscale'] else 'held all day'}, "
        f"load shape {f['load_shape']['id']} (peak/average {f['load_shape']['peak_to_average']:.3f})",
        "",
        f"  {'':<34}{'modeled':>14}{'published':>14}",
        f"  {'cost (fleet, USD/day, incl. idle)':<34}{m['cost_usd']:>14,.0f}{p['cost_usd']:>14,.0f}"
        f"   {example['cost_error']:+.1%}",
        f"  {'revenue (every token at R1 prices)':<34}{m['revenue_usd']:>14,.0f}{p['revenue_usd']:>14,.0f}"
        f"   {example['revenue_error']:+.3%}",
        f"  {'  with the off-peak discount*':<34}{m['revenue_with_offpeak_prices_usd']:>14,.0f}",
        f"  {'gross margin (R-C)/R':<34}{m['gross_margin_pct']:>13.1f}%{p['gross_margin_pct']:>13.1f}%",
        f"  {'cost-profit margin (R-C)/C':<34}{m['cost_profit_margin_pct']:>13.0f}%{p['cost_profit_margin_pct']:>13.0f}%",
        f"  {'H800 nodes, average':<34}{m['average_nodes']:>14,.1f}{p['average_nodes']:>14,.2f}",
        f"  {'H800 nodes, peak':<34}{m['peak_nodes']:>14,.1f}{p['peak_nodes']:>14,}",
        f"  {'busy share of the fleet':<34}{f['busy_share']:>13.1%}",
        f"  {'idle cost (USD/day)':<34}{f['idle_cost_usd']:>14,.0f}",
        *[f"  {_label(k):<34}{v['cost_usd']:>14,.0f}{'':>14}   {v['cost_error']:+.1%}"
          for k, v in example.get("sensitivity", {}).items()],
        "",
        "  * the requests timed by the load curve (peak hour assumed), off-peak 16:30-00:30 UTC at R1's off-peak"
        " prices; DeepSeek's $562,027 bills every token at the standard price",
        "  " + example["captured"],
    ]
    return "\n".join(lines)


def _label(key: str) -> str:
    if key == "cost_usd_with_default_decode_efficiency":
        return "  cost, default decode efficiency"
    return "  cost at " + key.removeprefix("cost_usd_at_").replace("_tokens_per_second_per_user", " tok/s per user")


__all__ = ["CAPTURED", "cost_profit_margin_pct", "day_cost_usd", "describe", "gross_margin_pct", "worked_example"]

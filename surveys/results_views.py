"""Survey results pages, JSON and CSV: all built from ``results.results_payload``."""

from bisect import bisect_right

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workforce.permissions import MANAGERS, role_required
from workforce.spreadsheets import csv_response

from .models import Round, RoundStatus
from .results import NoResults, Scope, results_payload, round_overview
from .results_compute import DISTRIBUTION, NPS, RATE

VISIBLE_STATUSES = (RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.RELEASED)

# Heatmap: five bands from least to most favourable, colour-blind safe (orange to
# purple), each with a text colour of at least 4.5:1 contrast on it.
HEAT_BANDS = [
    ("heat-0", "#b35806", "#ffffff", gettext_lazy("much less favourable")),
    ("heat-1", "#f1a340", "#1b1f24", gettext_lazy("less favourable")),
    ("heat-2", "#f7f7f7", "#1b1f24", gettext_lazy("middle")),
    ("heat-3", "#c2b5e0", "#1b1f24", gettext_lazy("more favourable")),
    ("heat-4", "#542788", "#ffffff", gettext_lazy("much more favourable")),
]
# Band edges per scale, low to high values.
HEAT_EDGES = {
    "0–100": (40, 55, 70, 85),
    "0–10": (4, 5.5, 7, 8.5),
    NPS: (-20, 0, 20, 40),
    RATE: (10, 20, 30, 40),
}
SECTIONS = [
    ("sites", gettext_lazy("Organization, sites and teams")),
    ("job_role", gettext_lazy("By job role")),
    ("tenure_band", gettext_lazy("By time in the organization")),
]


def heat_band(measure: dict, value: float) -> str:
    edges = HEAT_EDGES.get(measure["estimate"]) or HEAT_EDGES.get(measure["scale"])
    if edges is None:
        return ""
    band = bisect_right(edges, value)
    if not measure["higher_is_better"]:
        band = len(edges) - band
    return HEAT_BANDS[band][0]


def _number(value: float) -> str:
    return f"{value:.1f}".replace("-", "−")


def _signed(value: float) -> str:
    text = _number(value)
    return text if text.startswith("−") or value == 0 else f"+{text}"


def _score_cell(measure: dict, cell: dict) -> dict:
    if "hidden" in cell:
        return {"hidden": cell["hidden"]}
    if measure["estimate"] == DISTRIBUTION:
        parts = [f"{o['label']}: {o['percent']:.0f}%" for o in cell["options"]]
        return {"text": " · ".join(parts), "n": cell["n"]}
    unit = "%" if measure["estimate"] == RATE else ""
    return {
        "text": _number(cell["value"]) + unit,
        "interval": f"{_number(cell['ci_low'])} to {_number(cell['ci_high'])}",
        "band": heat_band(measure, cell["value"]),
        "n": cell["n"],
    }


def _change_cell(change: dict | None) -> dict:
    if not change:
        return {"hidden": "–"}
    return {
        "text": _signed(change["difference"]),
        "interval": f"{_signed(change['ci_low'])} to {_signed(change['ci_high'])}",
        "previous": _number(change["previous"]),
    }


def heatmap_sections(payload: dict) -> list[dict]:
    """Rows of cells per section, in the order of ``payload['measures']``."""
    measures = payload["measures"]
    sections = []
    for code, title in SECTIONS:
        rows = []
        for group in payload["groups"]:
            if group["section"] != code:
                continue
            row = {"group": group, "cells": [], "changes": []}
            if "scores" in group:
                for measure in measures:
                    row["cells"].append(
                        _score_cell(measure, group["scores"][measure["code"]])
                    )
                    change = group.get("changes", {}).get(measure["code"])
                    row["changes"].append(_change_cell(change))
            rows.append(row)
        if rows:
            sections.append({"code": code, "title": title, "rows": rows})
    return sections


def _round_for(request, round_id) -> tuple[Round, Scope]:
    scope = Scope.for_user(request.user)
    if scope is None:
        raise Http404
    round_ = get_object_or_404(
        Round.objects.select_related("survey", "organization"),
        pk=round_id,
        organization_id=scope.organization_id,
        status__in=VISIBLE_STATUSES,
    )
    return round_, scope


def _payload(round_, scope) -> dict:
    try:
        return results_payload(round_, scope)
    except NoResults as exc:
        raise Http404 from exc


@role_required(*MANAGERS)
def round_list(request):
    scope = Scope.for_user(request.user)
    return render(
        request,
        "surveys/results/round_list.html",
        {"rounds": round_overview(scope)},
    )


@role_required(*MANAGERS)
def round_detail(request, round_id):
    round_, scope = _round_for(request, round_id)
    payload = _payload(round_, scope)
    if round_.status != RoundStatus.RELEASED:
        return render(
            request,
            "surveys/results/rates.html",
            {"round": round_, "payload": payload},
        )
    sections = heatmap_sections(payload)
    return render(
        request,
        "surveys/results/round_detail.html",
        {
            "round": round_,
            "payload": payload,
            "sections": sections,
            "has_changes": any(
                any("text" in c for c in row["changes"])
                for section in sections
                for row in section["rows"]
            ),
            "heat_bands": HEAT_BANDS,
        },
    )


@role_required(*MANAGERS)
def round_json(request, round_id):
    round_, scope = _round_for(request, round_id)
    return JsonResponse(_payload(round_, scope), json_dumps_params={"indent": 1})


CSV_HEADER = [
    "round",
    "period",
    "group_type",
    "group",
    "respondents",
    "invited",
    "response_rate",
    "measure",
    "scale",
    "value",
    "ci_low",
    "ci_high",
    "answered",
    "change",
    "change_ci_low",
    "change_ci_high",
    "note",
]


def csv_rows(payload: dict):
    """The released aggregates, one row per group and measure (long format)."""
    round_info = payload["round"]
    start = [round_info["name"], round_info["period"]]
    for group in payload["groups"]:
        head = start + [group["kind"], group["label"]]
        if "scores" not in group:
            note = group["hidden"]
            if group.get("note"):
                note = f"{note}. {group['note']}"
            yield head + [""] * 12 + [note]
            continue
        counts = [group["respondents"], group["invited"], group["response_rate"]]
        for measure in payload["measures"]:
            cell = group["scores"][measure["code"]]
            label = [measure["label"], measure["scale"]]
            if "hidden" in cell:
                yield head + counts + label + [""] * 7 + [cell["hidden"]]
            elif measure["estimate"] == DISTRIBUTION:
                for option in cell["options"]:
                    option_label = [f"{measure['label']}: {option['label']}", "%"]
                    values = [option["percent"], "", "", cell["n"]]
                    yield head + counts + option_label + values + ["", "", "", ""]
            else:
                change = group.get("changes", {}).get(measure["code"]) or {}
                yield (
                    head
                    + counts
                    + label
                    + [cell["value"], cell["ci_low"], cell["ci_high"], cell["n"]]
                    + [
                        change.get("difference", ""),
                        change.get("ci_low", ""),
                        change.get("ci_high", ""),
                        "",
                    ]
                )


@role_required(*MANAGERS)
def round_csv(request, round_id):
    round_, scope = _round_for(request, round_id)
    if round_.status != RoundStatus.RELEASED:
        raise Http404(_("Results are not released yet."))
    payload = _payload(round_, scope)
    filename = f"survey-results-{round_.period:%Y-%m}-round-{round_.pk}.csv"
    return csv_response(filename, CSV_HEADER, csv_rows(payload))

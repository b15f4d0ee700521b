"""The Finding record every model returns, its status rule, and false-discovery control.

Status rule: a finding with a 95% interval that excludes the null value (0 for a
difference, 1 for a ratio) is "ok"; one whose interval includes it is "no_clear_link"
(never "no effect": the data may simply be too few); one the guards refused is
"insufficient_data" with a reason and no estimate.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from statsmodels.stats.multitest import multipletests

from .fitting import Coefficient
from .wording import Wording, estimate_sentence, insufficient_sentence, is_finite

Status = Literal["ok", "no_clear_link", "insufficient_data"]
OK: Status = "ok"
NO_CLEAR_LINK: Status = "no_clear_link"
INSUFFICIENT_DATA: Status = "insufficient_data"

CONFIDENCE_LEVEL = 0.95
# Benjamini-Hochberg false discovery rate across the findings of one analysis run.
FALSE_DISCOVERY_RATE = 0.05


@dataclass(frozen=True)
class Finding:
    """One association the analysis looked for, in plain numbers and words.

    estimate/ci_low/ci_high are in ``unit`` (e.g. NPS points per 10 engagement
    points, or a rate ratio per 10 points); ``null_value`` is what "no link" would
    be (0 or 1). ``q_value`` is the Benjamini-Hochberg adjusted p-value across the
    run's findings. The ``*_corrected``, ``reliability`` and ``min_detectable_effect``
    fields are for measurement-noise corrections (issue 9) and stay None until
    those are computed. ``details`` holds model facts worth showing an analyst
    (events, dispersion, between-team variance, ...).
    """

    key: str
    status: Status
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_teams: int
    n_obs: int
    method: str
    unit: str
    sentence: str
    reason: str | None = None
    null_value: float = 0.0
    q_value: float | None = None
    estimate_corrected: float | None = None
    ci_low_corrected: float | None = None
    ci_high_corrected: float | None = None
    reliability: float | None = None
    min_detectable_effect: float | None = None
    details: Mapping[str, float | int | str] = field(default_factory=dict)

    @property
    def has_estimate(self) -> bool:
        return self.status != INSUFFICIENT_DATA

    def as_dict(self) -> dict:
        """A JSON-ready dict (NaN becomes None)."""
        out = dataclasses.asdict(self)
        for name, value in out.items():
            if isinstance(value, float) and not math.isfinite(value):
                out[name] = None
        out["details"] = dict(self.details)
        return out


def status_for_interval(ci_low: float, ci_high: float, null_value: float) -> Status:
    """ "ok" when the interval excludes the null value, else "no_clear_link"."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return NO_CLEAR_LINK
    if ci_low <= null_value <= ci_high:
        return NO_CLEAR_LINK
    return OK


def insufficient(
    *,
    key: str,
    reason: str,
    sentence: str,
    method: str,
    unit: str,
    n_teams: int,
    n_obs: int,
    null_value: float = 0.0,
    details: Mapping[str, float | int | str] | None = None,
) -> Finding:
    """A finding the guards refused: a reason, and no estimate."""
    return Finding(
        key=key,
        status=INSUFFICIENT_DATA,
        estimate=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        n_teams=n_teams,
        n_obs=n_obs,
        method=method,
        unit=unit,
        sentence=sentence,
        reason=reason,
        null_value=null_value,
        details=dict(details or {}),
    )


def refused(
    *,
    key: str,
    reason: str,
    wording: Wording,
    method: str,
    unit: str,
    n_teams: int,
    n_obs: int,
    details: Mapping[str, float | int | str] | None = None,
) -> Finding:
    """An insufficient-data finding worded from ``wording``."""
    return insufficient(
        key=key,
        reason=reason,
        sentence=insufficient_sentence(wording, reason),
        method=method,
        unit=unit,
        n_teams=n_teams,
        n_obs=n_obs,
        null_value=1.0 if wording.kind == "ratio" else 0.0,
        details=details,
    )


def from_coefficient(
    *,
    key: str,
    coefficient: Coefficient,
    per: float,
    wording: Wording,
    method: str,
    unit: str,
    n_teams: int,
    n_obs: int,
    details: Mapping[str, float | int | str] | None = None,
) -> Finding:
    """A finding from a model coefficient, rescaled to ``per`` units of the predictor.

    For ratio wordings the coefficient is on the log scale and is exponentiated.
    """
    values = [
        coefficient.estimate * per,
        coefficient.ci_low * per,
        coefficient.ci_high * per,
    ]
    if not is_finite(*values, coefficient.p_value):
        return refused(
            key=key,
            reason="the model could not put an interval on this estimate",
            wording=wording,
            method=method,
            unit=unit,
            n_teams=n_teams,
            n_obs=n_obs,
            details=details,
        )
    null_value = 0.0
    if wording.kind == "ratio":
        values = [math.exp(value) for value in values]
        null_value = 1.0
    estimate, ci_low, ci_high = values
    status = status_for_interval(ci_low, ci_high, null_value)
    sentence = estimate_sentence(
        wording,
        clear=status == OK,
        estimate=estimate,
        ci_low=ci_low,
        ci_high=ci_high,
        n_teams=n_teams,
        n_obs=n_obs,
    )
    return Finding(
        key=key,
        status=status,
        estimate=estimate,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=coefficient.p_value,
        n_teams=n_teams,
        n_obs=n_obs,
        method=method,
        unit=unit,
        sentence=sentence,
        null_value=null_value,
        details=dict(details or {}),
    )


def with_q_values(findings: Iterable[Finding]) -> list[Finding]:
    """Add Benjamini-Hochberg q-values across the findings that have a p-value.

    Findings whose status is "ok" but whose q-value exceeds FALSE_DISCOVERY_RATE get
    a sentence saying the link may be a chance finding among those checked.
    """
    findings = list(findings)
    tested = [
        i
        for i, finding in enumerate(findings)
        if finding.p_value is not None and math.isfinite(finding.p_value)
    ]
    if not tested:
        return findings
    p_values = np.array([findings[i].p_value for i in tested], dtype=float)
    _, q_values, _, _ = multipletests(
        p_values, alpha=FALSE_DISCOVERY_RATE, method="fdr_bh"
    )
    out = list(findings)
    for i, q in zip(tested, q_values, strict=True):
        finding = findings[i]
        sentence = finding.sentence
        if finding.status == OK and q > FALSE_DISCOVERY_RATE:
            sentence = (
                f"{sentence} With {len(tested)} links checked together, this one "
                f"could still be a chance finding (q = {q:.2f})."
            )
        out[i] = dataclasses.replace(finding, q_value=float(q), sentence=sentence)
    return out

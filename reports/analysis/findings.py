"""The Finding record every model returns, its status rule, and false-discovery control.

Status rule: a finding with a 95% interval that excludes the null value (0 for a
difference, 1 for a ratio) is "ok"; one whose interval includes it is "no_clear_link"
(never "no effect": the data may simply be too few, and the sentence says how large
a link could have gone unseen); one the guards refused is "insufficient_data" with a
reason and no estimate. When a finding reports a noise-corrected estimate (see
noise.py), the status and p-value follow the corrected interval.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from statsmodels.stats.multitest import multipletests

from .fitting import Coefficient, min_detectable_effect
from .noise import Noise
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

    estimate/ci_low/ci_high are the uncorrected model's, in ``unit`` (e.g. NPS
    points per 10 engagement points, or a rate ratio per 10 points); ``null_value``
    is what "no link" would be (0 or 1). ``q_value`` is the Benjamini-Hochberg
    adjusted p-value across the run's findings.

    Measurement noise (noise.py): ``estimate_corrected``/``ci_*_corrected`` allow
    for sampling noise in survey-score predictors (None when not possible; the
    ``details`` "correction" says why). ``reliability`` is the share of the
    predictor's variation, as the model uses it, that is not noise (None when it
    could not be measured; 1.0 for records such as coverage).
    ``attenuation_flag`` marks a survey-score predictor whose reliability is below
    noise.ATTENUATION_THRESHOLD or unknown, with ``attenuation_note`` saying what
    that means. ``uses_correction``: the sentence, ``status`` and ``p_value``
    follow the corrected estimate (the uncorrected p-value is then in
    ``details["p_value_uncorrected"]``). ``min_detectable_effect`` is the
    smallest true effect the reported test would find 80% of the time (two-sided
    5%), in ``unit``; for ratio findings a ratio above 1 (its inverse is as
    detectable). ``details`` holds model facts worth showing an analyst
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
    attenuation_flag: bool = False
    attenuation_note: str | None = None
    uses_correction: bool = False
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


def _on_reporting_scale(
    coefficient: Coefficient, per: float, ratio: bool
) -> tuple[float, float, float]:
    values = [
        coefficient.estimate * per,
        coefficient.ci_low * per,
        coefficient.ci_high * per,
    ]
    if ratio:
        values = [math.exp(value) for value in values]
    return values[0], values[1], values[2]


def attenuation_note(noise: Noise, *, corrected: bool) -> str | None:
    """What measurement noise means for a finding, for people reading the JSON.

    ``corrected``: the finding reports the corrected estimate.
    """
    reliability = None if noise.reliability is None else f"{noise.reliability:.2f}"
    if corrected and noise.attenuated:
        return (
            f"The predictor's reliability is {reliability}: sampling noise in the "
            "survey scores shrinks an uncorrected estimate towards no link. The "
            "reported estimate is corrected for it, assuming the outcome follows "
            "the teams' underlying climate rather than the survey scores themselves."
        )
    if corrected:
        return (
            "Corrected for sampling noise in the survey scores fitted alongside "
            "this predictor."
        )
    if not noise.attenuated:
        return None
    why = f" ({noise.reason})" if noise.reason else ""
    effect = (
        "so the uncorrected estimate probably understates the link"
        if noise.lower_bound
        else "which usually pulls the uncorrected estimate towards no link and can "
        "move part of one score's link onto another fitted alongside it"
    )
    if reliability is None:
        return (
            f"The reliability of this survey score could not be measured{why}. "
            f"Team scores from a few answers each are noisy, {effect}."
        )
    return (
        f"The predictor's reliability is {reliability}: sampling noise in the "
        f"survey scores, not corrected{why}, {effect}."
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
    noise: Noise | None = None,
) -> Finding:
    """A finding from a model coefficient, rescaled to ``per`` units of the predictor.

    For ratio wordings the coefficient is on the log scale and is exponentiated.
    ``noise`` (noise.py) adds the reliability, the corrected estimate and the
    attenuation flag; when it says to use the correction, the sentence, status and
    p-value follow the corrected coefficient.
    """
    is_ratio = wording.kind == "ratio"
    if not is_finite(
        coefficient.estimate * per,
        coefficient.ci_low * per,
        coefficient.ci_high * per,
        coefficient.p_value,
    ):
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
    null_value = 1.0 if is_ratio else 0.0
    estimate, ci_low, ci_high = _on_reporting_scale(coefficient, per, is_ratio)
    details = dict(details or {})
    corrected = noise.corrected if noise is not None else None
    corrected_values = (None, None, None)
    if corrected is not None and is_finite(
        corrected.estimate, corrected.ci_low, corrected.ci_high, corrected.se
    ):
        corrected_values = tuple(
            float(value) for value in _on_reporting_scale(corrected, per, is_ratio)
        )
    else:
        corrected = None
    use = bool(noise is not None and noise.use_corrected and corrected is not None)
    reported = corrected if use else coefficient
    shown = corrected_values if use else (estimate, ci_low, ci_high)
    status = status_for_interval(shown[1], shown[2], null_value)
    detectable = min_detectable_effect(reported.se, reported.df) * per
    if is_ratio:
        detectable = math.exp(detectable)
    attenuated = bool(noise is not None and noise.attenuated)
    if noise is not None and noise.reason and not use:
        details["correction"] = f"not corrected: {noise.reason}"
    if use:
        details["p_value_uncorrected"] = coefficient.p_value
    sentence = estimate_sentence(
        wording,
        clear=status == OK,
        estimate=shown[0],
        ci_low=shown[1],
        ci_high=shown[2],
        n_teams=n_teams,
        n_obs=n_obs,
        at_least=bool(noise is not None and noise.lower_bound),
        allowing=noise.allowing if use else None,
        uncorrected=(estimate, ci_low, ci_high) if use else None,
        min_detectable=detectable,
        noisy=attenuated and not use,
    )
    return Finding(
        key=key,
        status=status,
        estimate=estimate,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=reported.p_value,
        n_teams=n_teams,
        n_obs=n_obs,
        method=method,
        unit=unit,
        sentence=sentence,
        null_value=null_value,
        estimate_corrected=corrected_values[0],
        ci_low_corrected=corrected_values[1],
        ci_high_corrected=corrected_values[2],
        reliability=None if noise is None else noise.reliability,
        min_detectable_effect=detectable if math.isfinite(detectable) else None,
        attenuation_flag=attenuated,
        attenuation_note=(
            None if noise is None else attenuation_note(noise, corrected=use)
        ),
        uses_correction=use,
        details=details,
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

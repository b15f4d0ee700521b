import re

from reports import charts


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg) + re.findall(
        r"<tspan[^>]*>([^<]*)</tspan>", svg
    )


def test_line_chart_keeps_numbers_in_its_table_and_gaps_for_suppressed():
    chart = charts.line_chart(
        title="Patient NPS by month",
        alt="Patient NPS rose from 62 to 71.",
        x_labels=["2026-08", "2026-09", "2026-10"],
        series={"Northside": [62.0, None, 71.0]},
        target=70,
    )

    assert chart.svg.startswith("<svg ")
    assert 'aria-hidden="true"' in chart.svg
    assert "<?xml" not in chart.svg
    assert chart.headers == ["Period", "Northside"]
    assert chart.rows == [
        ["2026-08", "62"],
        ["2026-09", charts.SUPPRESSED],
        ["2026-10", "71"],
    ]
    assert chart.slug == "patient-nps-by-month"


def test_svg_is_deterministic_and_text_stays_text():
    def draw():
        return charts.bar_chart(
            title="Voluntary turnover by site",
            alt="Northside is above target.",
            categories=["Northside", "Southside"],
            values=[18.5, None],
            unit="%",
            digits=1,
            statuses=["off", "unknown"],
            target=15,
        )

    first, second = draw(), draw()

    assert first.svg == second.svg
    texts = " ".join(_texts(first.svg))
    assert "18.5%" in texts
    assert "Northside" in texts
    assert first.rows == [["Northside", "18.5%"], ["Southside", "suppressed"]]


def test_heatmap_hides_suppressed_cells():
    chart = charts.heatmap(
        title="Engagement and burnout by team",
        alt="Hygiene is off target on burnout.",
        row_labels=["Front desk", "Hygiene"],
        column_labels=["Engagement", "Burnout %"],
        values=[[72.0, 12.0], [None, None]],
        statuses=[["met", "met"], ["unknown", "unknown"]],
    )

    texts = _texts(chart.svg)
    assert "72" in texts and "12" in texts
    assert not any(t.strip().isdigit() for t in texts if t not in ("72", "12"))
    assert chart.rows[1] == ["Hygiene", "suppressed", "suppressed"]
    assert chart.rows[0] == ["Front desk", "72 (on target)", "12 (on target)"]


def test_flywheel_cycle_names_each_stage_and_status():
    chart = charts.flywheel_cycle(
        title="The practice flywheel, October 2026",
        alt="Three of four stages are on target.",
        stages=[
            ("Engaged staff", "met", "74"),
            ("Cross-trained", "off", "61%"),
        ],
    )

    assert chart.rows == [
        ["1. Engaged staff", "74", "on target"],
        ["2. Cross-trained", "61%", "off target"],
    ]
    assert "Cross-trained" in " ".join(_texts(chart.svg))


def test_two_charts_on_one_page_share_no_ids_and_every_reference_resolves():
    first, second = (
        charts.bar_chart(
            title=title, alt="a", categories=["Front desk", "Hygiene"], values=[4, 9]
        )
        for title in ("Turnover by team", "Coverage by team")
    )

    first_ids = re.findall(r' id="([^"]+)"', first.svg)
    second_ids = re.findall(r' id="([^"]+)"', second.svg)
    assert first_ids and not set(first_ids) & set(second_ids)
    references = set(re.findall(r'(?:href="|url\()#([^")]+)', first.svg))
    assert references and references <= set(first_ids)

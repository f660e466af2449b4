"""`sim validate`'s cloud cases, in a file of their own: their family is the model's validation family
(`run_validation` at family level 99.9%), separate from the behavioural family of test_market.py."""


def test_validation_cases_pass_with_and_without_multihoming():
    """`sim validate` checks: the static market's Alibaba workload share equals the kernel's static
    mixed-logit share (Bonferroni over both cases at family level 99.9%: false failure <= 0.001), with
    single-homing and with half the workloads splitting their volume by the same probabilities; nothing is
    locked in and the gross margin is 0.5 exactly (deterministic rows)."""
    from sim.core.validation import run_validation
    from sim.models.cloud import MODEL

    report = run_validation(MODEL, MODEL.validation_checks(), family_level=0.999)
    assert report.height == 6 and report.filter(report["check"] == "deterministic").height == 4
    assert report["passed"].all(), report
    assert (report.filter(report["check"] == "stochastic")["design_power"] >= 0.9).all()

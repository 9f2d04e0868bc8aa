from decimal import Decimal

import pytest

from webapp.money import InexactAmount, earnings, from_units, round_display, to_units

RATE = Decimal("0.00002489")


def test_the_seed_example_is_exact():
    assert earnings(150_247, RATE) == Decimal("3.73964783")


def test_display_rounding_is_half_up_to_two_places():
    assert round_display(Decimal("3.73964783")) == Decimal("3.74")
    assert round_display(Decimal("0.00500000")) == Decimal("0.01")
    assert round_display(Decimal("0.00499999")) == Decimal("0.00")


@pytest.mark.parametrize("amount", ["0", "0.00000001", "3.73964783", "-1.5", "92233720368.54775807"])
def test_units_round_trip_exactly(amount):
    assert from_units(to_units(Decimal(amount))) == Decimal(amount)


def test_more_than_eight_places_is_refused_not_rounded():
    with pytest.raises(InexactAmount):
        to_units(Decimal("0.000000001"))


@pytest.mark.parametrize("bad", [0.1, 1, "1"])
def test_only_decimal_is_money(bad):
    with pytest.raises(TypeError):
        to_units(bad)


def test_views_must_be_whole():
    with pytest.raises(TypeError):
        earnings(1.5, RATE)
    with pytest.raises(TypeError):
        earnings(True, RATE)


def test_cumulative_credits_sum_to_views_times_rate():
    # Credits are differences of cumulative earnings, so any split of the views sums exactly.
    steps = [0, 1, 7, 150_247, 150_248, 9_999_999, 10_000_003]
    credits = [earnings(b, RATE) - earnings(a, RATE) for a, b in zip(steps, steps[1:])]
    assert sum(credits, Decimal(0)) == earnings(steps[-1], RATE)

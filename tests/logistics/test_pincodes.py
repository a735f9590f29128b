"""PIN codes: the real India Post data, loaded fast and idempotently, and checked clearly."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from logistics.interface import MalformedPinCode, PinCodeInfo, UnknownPinCode, pin_code_check, pin_code_get
from logistics.models import PinCode


def test_load_pincodes_loads_all_of_india_and_a_second_run_changes_nothing(db):
    call_command("load_pincodes", verbosity=0)
    first = list(PinCode.objects.order_by("pin").values_list())
    call_command("load_pincodes", verbosity=0)

    assert 19_000 < len(first) < 20_000
    assert list(PinCode.objects.order_by("pin").values_list()) == first
    assert PinCode.objects.filter(lat__isnull=True).count() == 0
    # Every state and union territory is there.
    assert PinCode.objects.values("state").distinct().count() == 36
    new_delhi = PinCode.objects.get(pin="110001")
    assert (new_delhi.office_name, new_delhi.district, new_delhi.state) == ("New Delhi GPO", "NEW DELHI", "DELHI")
    assert new_delhi.lat == pytest.approx(28.62, abs=0.05) and new_delhi.lon == pytest.approx(77.22, abs=0.05)


def test_a_pin_without_a_reliable_centroid_takes_its_districts_average(pins):
    dhansa = PinCode.objects.get(pin="110073")  # every post office's coordinates are suspect upstream

    assert dhansa.coords_source == PinCode.CoordsSource.DISTRICT
    assert dhansa.district == "SOUTH WEST" and 28.3 < dhansa.lat < 28.9 and 76.8 < dhansa.lon < 77.4


def test_load_pincodes_can_load_a_region(db):
    call_command("load_pincodes", "--prefix", "695", verbosity=0)

    assert PinCode.objects.exclude(pin__startswith="695").count() == 0
    assert PinCode.objects.get(pin="695001").district == "THIRUVANANTHAPURAM"


def test_pin_code_get_reads_once_then_from_the_cache(pins, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = pin_code_get("110001")
    with django_assert_num_queries(0):
        again = pin_code_get(" 110 001 ")

    assert first == again == PinCodeInfo(pin="110001", office_name="New Delhi GPO", district="NEW DELHI",
                                         state="DELHI", lat=first.lat, lon=first.lon)


def test_pin_code_get_answers_none_for_what_is_not_a_loaded_pin(pins):
    assert pin_code_get("11000") is None
    assert pin_code_get("999999") is None
    assert pin_code_get("600001") is None  # real (Chennai), but not in the loaded regions


@pytest.mark.parametrize("given", ["110001", " 110001 ", "110 001", 110001])
def test_pin_code_check_normalises(given):
    assert pin_code_check(given) == "110001"


@pytest.mark.parametrize("given", ["", "11000", "1100011", "011000", "ABCDEF", "110-01"])
def test_pin_code_check_rejects_malformed_pins(given):
    with pytest.raises(MalformedPinCode, match="enter 6 digits, like 110001"):
        pin_code_check(given)


def test_pin_code_check_rejects_pins_india_post_never_assigned():
    with pytest.raises(UnknownPinCode, match="999999 is not an Indian PIN code we know"):
        pin_code_check("999999")


def test_pin_code_errors_are_value_errors():
    assert issubclass(MalformedPinCode, ValueError) and issubclass(UnknownPinCode, ValueError)

"""Parsing receipt fields from OCR'd lines: pure functions, no tesseract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ocr.fields import amounts, normalise_amount, normalise_merchant, parse_date
from ocr.receipt import TextLine, parse_receipt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("日期:2026年1月5日 14:03", date(2026, 1, 5)),
        ("2026-01-05", date(2026, 1, 5)),
        ("Date: 05/01/2026 12:41", date(2026, 1, 5)),
        ("18-10-17", date(2017, 10, 18)),
        ("05 JAN 2017 12:41pm", date(2017, 1, 5)),
        ("15/APR/2017", date(2017, 4, 15)),
        ("13/25/2026", None),  # no such month either way round
        ("O1-11-17 09:06", date(2017, 11, 1)),  # a letter O read for a zero
        ("10-05-47", None),  # a year decades ahead is a misread, not a receipt's date
        ("no date here 12345", None),
    ],
)
def test_dates(text: str, expected: date | None) -> None:
    assert parse_date(text, latest=date(2026, 12, 31)) == expected


def test_month_first_when_asked() -> None:
    assert parse_date("05/01/2026", dayfirst=False) == date(2026, 5, 1)
    assert parse_date("25/01/2026", dayfirst=False) == date(2026, 1, 25)  # only one order is a date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("合计: ¥1,234.50", [Decimal("1234.50")]),
        ("TOTAL RM 18.00", [Decimal("18.00")]),
        ("Total Sales(incl GST 6%) RM 64 13", [Decimal("64.13")]),
        ("微信支付 ; 1.358.00 元", [Decimal("1358.00")]),
        ("Qty 2 10.00", [Decimal("10.00")]),
        ("TEL 03-3271 9872", []),
    ],
)
def test_amounts(text: str, expected: list[Decimal]) -> None:
    assert amounts(text) == expected


def test_normalising() -> None:
    assert normalise_amount("RM 1,234.5") == "1234.50"
    assert normalise_merchant("Segi Cash & Carry Sdn. Bhd.") == normalise_merchant("SEGI CASH & CARRY SDN BHD")


def lines(*texts: str) -> list[TextLine]:
    return [TextLine(t, 0.9, 40.0 if i == 0 else 24.0) for i, t in enumerate(texts)]


def test_english_receipt_layout() -> None:
    receipt = parse_receipt(
        lines(
            "TEO HENG STATIONERY & BOOKS (001451637-M)",
            "NO. 53, JALAN BESAR, 45600 BATANG BERJUNTAI",
            "TEL : 03-3271 9872",
            "Receipt No.: CS1801/27037 Date: 23/01/2018",
            "DOUBLE SIDED TAPE 6.60",
            "SUB-TOTAL 16.98",
            "GST 6% 1.02",
            "ROUNDING ADJ 0.00",
            "TOTAL : 18.00",
            "CASH 20.00",
            "CHANGE 2.00",
            "GST SUMMARY TOTAL 16.98 1.02",
        )
    )
    assert receipt.merchant.value == "TEO HENG STATIONERY & BOOKS"
    assert receipt.date.value == "2018-01-23"
    assert receipt.total.value == "18.00"
    assert receipt.tax.value == "1.02"
    assert receipt.total.confidence > 0.7  # the total agrees with cash less change


def test_chinese_receipt_layout_prefers_amount_payable() -> None:
    receipt = parse_receipt(
        lines(
            "红旗生活超市",
            "地址:成都市锦江区春熙路12号",
            "日期:2026年3月8日 20:09",
            "清泉柠檬茶 x6 27.00",
            "合计: ¥30.00",
            "优惠: -3.00",
            "应付: ¥27.00",
            "支付宝: ¥27.00",
        )
    )
    assert (receipt.merchant.value, receipt.date.value, receipt.total.value) == ("红旗生活超市", "2026-03-08", "27.00")
    assert receipt.currency == "CNY"


def test_labels_misread_total_by_arithmetic() -> None:
    receipt = parse_receipt(lines("兴隆超市", "清泉凉茶 x2 7.60", "Ait: ¥11.10", "WE: ¥50.00", "HE: ¥38.90"))
    assert receipt.total.value == "11.10"


def test_nothing_found_is_empty_with_zero_confidence() -> None:
    receipt = parse_receipt([])
    assert receipt.merchant.value is None and receipt.merchant.confidence == 0
    assert receipt.total.value is None and receipt.total.confidence == 0
    assert receipt.date.value is None


def test_merchant_names_over_two_lines_and_legal_suffix_slips() -> None:
    def merchant(*lines: str) -> str | None:
        return parse_receipt([TextLine(x, 0.95, 20) for x in lines]).merchant.value

    assert merchant("POPULAR BOOK", "CO. (M) SDN BHD", "(Co. No. 113825-W)") == "POPULAR BOOK CO. (M) SDN BHD"
    assert merchant("3180404", "GHEE HIANG", "GH DISTRIBUTOR & MARKETING SDN BHD") == (
        "GHEE HIANG GH DISTRIBUTOR & MARKETING SDN BHD"
    )
    assert merchant("POSTED", "BE MED SP SDN BHD", "(1097826-H)") == "BE MED SP SDN BHD"  # one word: a stamp
    assert merchant("COSWAY (M) SDN BHD (E0118-A)", "2nd Floor") == "COSWAY (M) SDN BHD"
    assert merchant("99 SPEED MART 5/B (519537-X)", "LOT P.T. 2811") == "99 SPEED MART S/B"
    assert merchant("鑫盛超市", "有限公司", "地址：人民路1号") == "鑫盛超市有限公司"


def test_a_rounded_total_and_a_date_run_into_its_time() -> None:
    lines = ["Total Sales (Inclusive GST) RM 37.44", "Rounding Adjustment RM .01", "37.45", "CREDIT RM 37.45"]
    assert parse_receipt([TextLine(x, 0.9, 20) for x in lines]).total.value == "37.45"
    assert parse_date("10-03-201823:03") == date(2018, 3, 10)
    assert parse_date("2018-03-1023:03") == date(2018, 3, 10)


def test_a_clock_is_not_an_amount_and_the_amount_paid_wins() -> None:
    # "8:21" on a line with a date or "Time" is the clock, not a misread "8.21"
    assert amounts("Entry Time 16/04/2018 (Mon) 8:21") == []
    assert amounts("TOTAL 8:21") == [Decimal("8.21")]  # a colon for a decimal point, no clock near
    parking = ["FIRST CITY PARKING SDN BHD", "Entry Time 16/04/2018 (Mon) 8:21", "Exit Time 16/04/2018 8:21"]
    parking += ["Parking Fee RM7.00", "Tal RM7.00", "Paid RM7.00", "Change RM0.00"]
    assert parse_receipt(lines(*parking)).total.value == "7.00"
    # a misread label ("Poyable") still says payable; paid less change agrees with it
    store = ["Total Amt Incl GST @ 6% : 7.42", "Rounding Adjustment: (0.01)", "Total Amt Poyable : 7.40"]
    assert parse_receipt(lines("KEDAI", *store, "Paid Amount: 10.00", "Change: 2.60")).total.value == "7.40"


def test_a_total_line_whose_amount_did_not_read_takes_no_label_below_it() -> None:
    # "CASH 50.00" under an unreadable total is the cash handed over; subtotal, cash and change
    # (25.00 = 50.00 - 25.00) give the total
    receipt = parse_receipt(lines("GHEE HIANG", "SubTotal 25.00", "Net Total 25. J", "C 50.00", "C. GE 25.00"))
    assert receipt.total.value == "25.00"
    assert parse_receipt(lines("KEDAI", "TOTAL", "RM 12.00", "CASH 20.00")).total.value == "12.00"
    assert (
        parse_receipt(lines("KEDAI", "SR: Inclusive of GST @6% 23.58 1.42", "Total Inclusive GST: 25.00")).total.value
        == "25.00"
    )
    assert parse_receipt(lines("RAPID RAIL SUN BHD", "Date 01/02/2018")).merchant.value == "RAPID RAIL SDN BHD"


def test_a_name_word_misread_by_one_confusable_letter_is_put_back() -> None:
    def merchant(name: str) -> str | None:
        return parse_receipt([TextLine(name, 0.95, 30), TextLine("Date 01/02/2018", 0.9, 20)]).merchant.value

    assert merchant("TASTE OF THE WORID SDN BHD") == "TASTE OF THE WORLD SDN BHD"  # I for L
    assert merchant("GARDENFA BAKERIES (KL) SDN BHD") == "GARDENIA BAKERIES (KL) SDN BHD"  # F for I
    assert merchant("Max Income Resounces Sdn Bhd") == "Max Income Resources SDN BHD"  # N for R, case kept
    # names that are no English word stay as read, and so does a word two slips away
    for name in (
        "GHEE HIANG",
        "COSWAY (M) SDN BHD",
        "SYARIKAT PERNIAGAAN GIN KEE",
        "SANYO STATIONERY",
        "WONLB TRADING",
    ):
        assert merchant(name) == name

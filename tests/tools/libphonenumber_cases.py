#!/usr/bin/env python3
"""Prints test cases for tests/phone_vs_libphonenumber.rs, computed now by libphonenumber.

Each line is REGION<TAB>INPUT<TAB>EXPECTED_E164<TAB>EXPECTED_DISPLAY: parsing INPUT with
REGION as the default region must give EXPECTED_E164. EXPECTED_DISPLAY is libphonenumber's
national format for Japanese numbers and its international format for the others. Lines with
`-` for both are near misses (a digit short or long) that libphonenumber rejects.

Numbers are libphonenumber's example numbers for each region and type, plus a few siblings
(last digits changed) that libphonenumber still calls valid, each written several ways:
E.164, international, national, digits only, E.164 without '+', RFC 3966, as dialled from
each supported region (with its international prefix: 010, 011, 00, 0011, 001, ...), with a
carrier code (BR, KR), with stray text around it and, for Japan, in full-width characters. Only spellings libphonenumber itself parses to a valid number are
printed: the engine must agree on valid numbers.

Needs `pip install phonenumbers`.
"""
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat as F
from phonenumbers import PhoneNumberType as T

REGIONS = ["JP", "US", "GB", "DE", "FR", "AU", "SG", "KR", "CN", "IN", "BR"]
TYPES = [
    T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE, T.SHARED_COST, T.VOIP,
    T.PERSONAL_NUMBER, T.PAGER, T.UAN,
]
# Japanese fixed lines across area-code lengths: the display rules depend on them.
JP_EXTRA = ["0612345678", "0451234567", "0466123456", "0126723456", "0112345678",
            "0992123456", "0857123456", "0476123456", "0422123456", "0120987654",
            "0800-1234567", "0570-123-456", "0501234567", "0701234567", "0801234567"]
SIBLINGS = 5
CARRIERS = {"BR": ("15", "21", "41"), "KR": ("81", "8511")}


def full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def numbers(region):
    seen = set()
    found = []
    for t in TYPES:
        example = phonenumbers.example_number_for_type(region, t)
        if example is None:
            continue
        nsn = str(example.national_number)
        for k in range(SIBLINGS):
            tail = str((int(nsn[-3:]) + 137 * k) % 1000).zfill(3)
            candidate = phonenumbers.parse("+%d%s%s" % (example.country_code, nsn[:-3], tail))
            if phonenumbers.is_valid_number(candidate) and candidate.national_number not in seen:
                seen.add(candidate.national_number)
                found.append(candidate)
    if region == "JP":
        for text in JP_EXTRA:
            number = phonenumbers.parse(text, "JP")
            if phonenumbers.is_valid_number(number) and number.national_number not in seen:
                seen.add(number.national_number)
                found.append(number)
    return found


def spellings(region, number):
    e164 = phonenumbers.format_number(number, F.E164)
    national = phonenumbers.format_number(number, F.NATIONAL)
    yield region, e164
    yield region, phonenumbers.format_number(number, F.INTERNATIONAL)
    yield region, national
    yield region, "".join(c for c in national if c.isdigit())
    yield region, e164[1:]
    yield region, phonenumbers.format_number(number, F.RFC3966)
    yield region, "TEL: %s (代表)" % national
    for home in REGIONS:
        dialled = phonenumbers.format_out_of_country_calling_number(number, home)
        yield home, dialled
        yield home, "".join(c for c in dialled if c.isdigit())
    # Carrier-selection codes dialled after the trunk prefix, which are not part of the number.
    for carrier in CARRIERS.get(region, ()):
        yield region, phonenumbers.format_national_number_with_carrier_code(number, carrier)
    if region == "JP":
        yield region, full_width(national)
        yield region, full_width(e164)


def near_misses(region, number):
    """National spellings one digit short or long: mostly numbers libphonenumber rejects."""
    digits = "".join(c for c in phonenumbers.format_number(number, F.NATIONAL) if c.isdigit())
    yield region, digits[:-1]
    yield region, digits + "5"
    yield region, "+%d%s" % (number.country_code, str(number.national_number)[:-2])


def main():
    count = 0
    printed = set()
    for region in REGIONS:
        for number in numbers(region):
            for home, text in spellings(region, number):
                try:
                    parsed = phonenumbers.parse(text, home)
                except phonenumbers.NumberParseException:
                    continue
                if not phonenumbers.is_valid_number(parsed):
                    continue
                expected = phonenumbers.format_number(parsed, F.E164)
                display_format = F.NATIONAL if parsed.country_code == 81 else F.INTERNATIONAL
                display = phonenumbers.format_number(parsed, display_format)
                if (home, text) in printed:
                    continue
                printed.add((home, text))
                print("%s\t%s\t%s\t%s" % (home, text, expected, display))
                count += 1
            for home, text in near_misses(region, number):
                try:
                    parsed = phonenumbers.parse(text, home)
                    valid = phonenumbers.is_valid_number(parsed)
                except phonenumbers.NumberParseException:
                    valid = False
                if not valid and (home, text) not in printed:
                    printed.add((home, text))
                    print("%s\t%s\t-\t-" % (home, text))
    print("%d cases from phonenumbers %s" % (count, phonenumbers.__version__), file=sys.stderr)


if __name__ == "__main__":
    main()
